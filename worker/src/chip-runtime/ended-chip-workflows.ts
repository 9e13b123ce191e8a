import type { Client } from '@temporalio/client';
import { chipIdOfWorkflow, chipWorkflowId } from '@chipgate/workflows/chip/contract';
import { workerLog } from '../logger';

/** Visibility is eventually consistent: a run closed just before a check may be listed only at the next. */
const VISIBILITY_LAG_MS = 60_000;

export interface EndedChipWorkflowsOptions {
  temporal: Client;
  /** The chips whose sockets live on this worker, and how to drop one (socket, counters, claim). */
  held: { chipIds(): string[]; disconnect(chipId: string): Promise<void> };
  everyMs: number;
  /** After the drop: what becomes of the chip's records (its proxy, its visible status). */
  recordDrop(chipId: string, workflowStatus: string): Promise<void>;
}

/**
 * A chip's socket normally ends because its workflow asks (release, reassign, pause). A workflow that
 * ends without asking — terminated by hand in the Temporal UI, or failed — would leave the socket
 * connected and billing forever, with nothing metering it. Once per interval this worker lists the
 * chip workflows closed since its last look (one visibility query per worker, whatever the number of
 * chips), and drops the sockets of those it holds whose latest run is not running. The dropped chip's
 * last counts stay unbilled in the database, where the orphaned-counter sweep bills them.
 */
export function watchEndedChipWorkflows(opts: EndedChipWorkflowsOptions): { stop(): Promise<void> } {
  let since = new Date(Date.now() - VISIBILITY_LAG_MS);
  let checking: Promise<void> | undefined;
  const check = async () => {
    const startedAt = Date.now();
    const held = new Set(opts.held.chipIds());
    if (held.size > 0) {
      for (const chipId of await chipsWhoseWorkflowClosedSince(opts.temporal, since, held)) {
        const { status } = await opts.temporal.workflow.getHandle(chipWorkflowId(chipId)).describe();
        // Restarted meanwhile (a new run of the same chip): that run owns the socket.
        if (status.name === 'RUNNING') continue;
        workerLog.warn({ chipId, workflowStatus: status.name }, 'the chip workflow ended without releasing its chip; dropping its socket');
        await opts.held.disconnect(chipId);
        await opts.recordDrop(chipId, status.name);
      }
    }
    since = new Date(startedAt - VISIBILITY_LAG_MS);
  };
  const timer = setInterval(() => {
    checking ??= check()
      .catch((err: unknown) => workerLog.error({ err }, 'could not look for chip workflows that ended'))
      .finally(() => (checking = undefined));
  }, opts.everyMs);
  return {
    async stop() {
      clearInterval(timer);
      await checking;
    },
  };
}

async function chipsWhoseWorkflowClosedSince(temporal: Client, since: Date, held: Set<string>): Promise<string[]> {
  const query = `WorkflowType = 'chipWorkflow' AND ExecutionStatus != 'Running' AND ExecutionStatus != 'ContinuedAsNew' AND CloseTime >= '${since.toISOString()}'`;
  const ended = new Set<string>();
  for await (const workflow of temporal.workflow.list({ query })) {
    const chipId = chipIdOfWorkflow(workflow.workflowId);
    if (chipId !== undefined && held.has(chipId)) ended.add(chipId);
  }
  return [...ended];
}
