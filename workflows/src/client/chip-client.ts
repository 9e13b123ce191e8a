import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import {
  chipSearchAttributes,
  chipStateQuery,
  DEFAULT_CHIP_SETTINGS,
  chipWorkflowId,
  resolveChipSettings,
  pauseChipUpdate,
  quotaChangedSignal,
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

/** The chip workflow refused a command (bad payload, chip released): the message says why. */
export class ChipCommandRefusedError extends Error {
  constructor(
    readonly chipId: string,
    reason: string,
  ) {
    super(`chip ${chipId} refused the command: ${reason}`);
    this.name = 'ChipCommandRefusedError';
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
      if (err instanceof WorkflowNotFoundError) {
        // Commands to a chip whose workflow has ended reach no running execution; say which case it is.
        const ended = await handle(chipId)
          .describe()
          .then((d) => d.status.name)
          .catch(() => undefined);
        if (ended) throw new ChipCommandRefusedError(chipId, `the chip is released (its workflow is ${ended.toLowerCase()})`);
        throw new UnknownChipError(chipId);
      }
      if (err instanceof WorkflowUpdateFailedError) throw new ChipCommandRefusedError(chipId, err.cause?.message ?? err.message);
      throw err;
    }
  }

  return {
    /**
     * Starts the chip's workflow; starting a chip that already runs is a no-op. Its settings are
     * resolved here, once: the workflow carries them for life and never fills in defaults itself.
     */
    async start(input: ChipWorkflowInput): Promise<void> {
      const meterIntervalSeconds = configuredMeterInterval(process.env.CHIPGATE_METER_INTERVAL_SECONDS);
      const settings = resolveChipSettings({ meterIntervalSeconds, ...input.settings });
      try {
        await client.workflow.start('chipWorkflow', {
          taskQueue,
          workflowId: chipWorkflowId(input.chipId),
          args: [{ chipId: input.chipId, userId: input.userId, settings }],
          typedSearchAttributes: [
            { key: chipSearchAttributes.userId, value: input.userId },
            { key: chipSearchAttributes.chipId, value: input.chipId },
            { key: chipSearchAttributes.status, value: 'WAITING_FOR_PROXY' },
          ],
        });
      } catch (err) {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      }
    },
    state: (chipId: string): Promise<ChipState> => known(chipId, () => handle(chipId).query(chipStateQuery)),
    pause: (chipId: string, reason: string) => known(chipId, () => handle(chipId).executeUpdate(pauseChipUpdate, { args: [{ reason }] })),
    resume: (chipId: string) => known(chipId, () => handle(chipId).executeUpdate(resumeChipUpdate)),
    /** Releasing a chip whose workflow already ended is harmless: it answers the final state. */
    release: (chipId: string, reason: string) =>
      known(chipId, async () => {
        const { status } = await handle(chipId).describe();
        if (status.name !== 'RUNNING') return handle(chipId).query(chipStateQuery);
        return handle(chipId).executeUpdate(releaseChipUpdate, { args: [{ reason }] });
      }),
    reassignProxy: (chipId: string, reason: string) => known(chipId, () => handle(chipId).executeUpdate(reassignProxyUpdate, { args: [{ reason }] })),
    quotaChanged: (chipId: string) => known(chipId, () => handle(chipId).executeUpdate(quotaChangedUpdate)),
    /**
     * Tells chips their owner's allowance changed without waiting for them to act on it; answers the
     * chips whose workflows were running.
     */
    async signalQuotaChanged(chipIds: readonly string[]): Promise<string[]> {
      const sent = await Promise.allSettled(chipIds.map((chipId) => handle(chipId).signal(quotaChangedSignal)));
      const failed = sent.find((result): result is PromiseRejectedResult => result.status === 'rejected' && !(result.reason instanceof WorkflowNotFoundError));
      if (failed) throw failed.reason;
      return chipIds.filter((_, index) => sent[index]?.status === 'fulfilled');
    },
  };
}

function configuredMeterInterval(raw: string | undefined): number {
  if (raw === undefined || raw === '') return DEFAULT_CHIP_SETTINGS.meterIntervalSeconds;
  const seconds = Number(raw);
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > 86_400) {
    throw new Error(`CHIPGATE_METER_INTERVAL_SECONDS must be a whole number of seconds from 1 to 86400, got "${raw}"`);
  }
  return seconds;
}

export type ChipWorkflowClient = ReturnType<typeof chipWorkflowClient>;
