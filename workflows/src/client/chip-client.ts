import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import {
  chipStateQuery,
  chipWorkflowId,
  pauseChipUpdate,
  quotaChangedUpdate,
  reassignProxyUpdate,
  releaseChipUpdate,
  resumeChipUpdate,
  type ChipState,
  type ChipWorkflowInput,
} from '../chip/contract';
import { CHIPGATE_TASK_QUEUE } from '../task-queues';

export class UnknownChipError extends Error {
  constructor(readonly chipId: string) {
    super(`chip ${chipId} has no running workflow`);
    this.name = 'UnknownChipError';
  }
}

/**
 * The typed way for the web app and other services to start, change and read chip workflows.
 * Every call names the chip; an unknown chip is an UnknownChipError, not a Temporal internals error.
 */
export function chipWorkflowClient(client: Client, taskQueue: string = CHIPGATE_TASK_QUEUE) {
  const handle = (chipId: string) => client.workflow.getHandle(chipWorkflowId(chipId));

  async function known<T>(chipId: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new UnknownChipError(chipId);
      throw err;
    }
  }

  return {
    /** Starts the chip's workflow; starting a chip that already runs is a no-op. */
    async start(input: ChipWorkflowInput): Promise<void> {
      try {
        await client.workflow.start('chipWorkflow', {
          taskQueue,
          workflowId: chipWorkflowId(input.chipId),
          args: [input],
          searchAttributes: { ChipgateUserId: [input.userId], ChipgateChipId: [input.chipId], ChipgateChipStatus: ['WAITING_FOR_PROXY'] },
        });
      } catch (err) {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      }
    },
    state: (chipId: string): Promise<ChipState> => known(chipId, () => handle(chipId).query(chipStateQuery)),
    pause: (chipId: string, reason: string) => known(chipId, () => handle(chipId).executeUpdate(pauseChipUpdate, { args: [{ reason }] })),
    resume: (chipId: string) => known(chipId, () => handle(chipId).executeUpdate(resumeChipUpdate)),
    release: (chipId: string, reason: string) => known(chipId, () => handle(chipId).executeUpdate(releaseChipUpdate, { args: [{ reason }] })),
    reassignProxy: (chipId: string, reason: string) => known(chipId, () => handle(chipId).executeUpdate(reassignProxyUpdate, { args: [{ reason }] })),
    quotaChanged: (chipId: string) => known(chipId, () => handle(chipId).executeUpdate(quotaChangedUpdate)),
  };
}

export type ChipWorkflowClient = ReturnType<typeof chipWorkflowClient>;
