// A broken build of the chip workflow, as a bad deploy would poll the task queue with: a plain error
// thrown from a workflow fails its workflow task (Temporal retries it), never the workflow itself.
export function chipWorkflow(): Promise<never> {
  return Promise.reject(new Error('a broken build of the chip workflow (the soak test injects it)'));
}
