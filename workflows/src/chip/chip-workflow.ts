import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  log,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { ChipActivities } from '@chipgate/activities/chip/chip-activities';
import type { ChipPlacementActivities, ChipSocketActivities } from '@chipgate/worker/chip-runtime/connection-activities';
import { billingMonthOf } from '../rules/billing-month';
import { validateChipReason } from '../rules/chip-commands';
import {
  chipSearchAttributes,
  chipStateQuery,
  chipWorkflowId,
  DEFAULT_CHIP_SETTINGS,
  pauseChipUpdate,
  quotaChangedSignal,
  quotaChangedUpdate,
  reassignProxySignal,
  reassignProxyUpdate,
  releaseChipUpdate,
  resumeChipUpdate,
  type ChipLifecycleStatus,
  type ChipState,
  type ChipWorkflowInput,
} from './contract';

const records = proxyActivities<ChipActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', nonRetryableErrorTypes: ['NotFoundError'] },
});
// Alert delivery retries on its own schedule so a broken SMTP server never holds up metering.
const alerts = proxyActivities<Pick<ChipActivities, 'deliverQuotaAlert'>>({
  startToCloseTimeout: '1 minute',
  scheduleToCloseTimeout: '1 day',
  retry: { initialInterval: '10 seconds', maximumInterval: '10 minutes' },
});
const placement = proxyActivities<ChipPlacementActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '2 seconds', maximumAttempts: 3 },
});

/** Activities on the worker that holds the chip's socket; a dead worker shows as a schedule-to-start timeout. */
function onChipWorker(workerQueue: string) {
  return proxyActivities<ChipSocketActivities>({
    taskQueue: workerQueue,
    scheduleToStartTimeout: '30 seconds',
    startToCloseTimeout: '1 minute',
    retry: { initialInterval: '1 second', maximumAttempts: 3, nonRetryableErrorTypes: ['ChipNotOnThisWorker'] },
  });
}

function supervisorOn(workerQueue: string) {
  return proxyActivities<Pick<ChipSocketActivities, 'superviseChipConnection'>>({
    taskQueue: workerQueue,
    scheduleToStartTimeout: '30 seconds',
    startToCloseTimeout: '3650 days',
    heartbeatTimeout: '30 seconds',
    retry: { maximumAttempts: 1 },
  });
}

/** What one run hands to the next at continue-as-new, so a long-lived chip keeps its place and totals. */
interface CarriedState {
  assignment: { assignmentId: string; proxyId: string; sessionId: string } | null;
  workerQueue: string | null;
  connectionPaused: boolean;
  operatorPause: string | null;
  quotaPaused: boolean;
  exitIp: string | null;
  lastMeterAt: string;
  lastPeriod: ChipState['lastPeriod'];
  bytesThisMonth: string;
  month: string | null;
  lastError: string | null;
  alertsSent: string[];
  /** A proxy seen letting this chip's traffic out unproxied: the chip takes no traffic until it has another. */
  unproxiedProxyId?: string | null;
}

interface Supervision {
  queue: string;
  ended: boolean;
  outcome?: string;
  error?: string;
}

export interface ChipWorkflowRunInput extends ChipWorkflowInput {
  carried?: CarriedState;
}

function describe(err: unknown): string {
  if (err instanceof ActivityFailure && err.cause) return err.cause.message;
  return err instanceof Error ? err.message : String(err);
}

/**
 * One chip's whole life: assign a proxy, connect on a worker, meter every interval, enforce the
 * owner's quota, and release at the end. It only orchestrates; every rule and every I/O lives in
 * rules/ and in activities.
 */
export async function chipWorkflow(input: ChipWorkflowRunInput): Promise<ChipState> {
  const { chipId, userId } = input;
  const settings = { ...DEFAULT_CHIP_SETTINGS, ...input.settings };
  const s: CarriedState = input.carried ?? {
    assignment: null,
    workerQueue: null,
    connectionPaused: false,
    operatorPause: null,
    quotaPaused: false,
    exitIp: null,
    lastMeterAt: new Date().toISOString(),
    lastPeriod: null,
    bytesThisMonth: '0',
    month: null,
    lastError: null,
    alertsSent: [],
  };
  let status: ChipLifecycleStatus = input.carried ? (s.operatorPause || s.quotaPaused ? 'PAUSED' : s.workerQueue ? 'CONNECTED' : 'CONNECTING') : 'WAITING_FOR_PROXY';
  let wake = false;
  let releaseReason: string | null = null;
  let released = false;
  let reassignReason: string | null = null;
  let quotaDirty = true;
  // A holder rather than a `let`: closures replace it, and TypeScript would narrow a `let` to null.
  const watch: { current: Supervision | null } = { current: null };
  let loggedOut = false;

  const pauseReason = () => s.operatorPause ?? (s.quotaPaused ? 'monthly quota reached' : null);
  /** Waits before trying again, unless a command arrives first. */
  const retryLater = async () => {
    await condition(() => wake, `${settings.proxyRetrySeconds} seconds`);
    wake = false;
  };
  const snapshot = (): ChipState => ({
    chipId,
    userId,
    status,
    paused: Boolean(s.operatorPause || s.quotaPaused),
    pauseReason: pauseReason(),
    proxyId: s.assignment?.proxyId ?? null,
    assignmentId: s.assignment?.assignmentId ?? null,
    sessionId: s.assignment?.sessionId ?? null,
    exitIp: s.exitIp,
    lastPeriod: s.lastPeriod,
    bytesThisMonth: s.bytesThisMonth,
    month: s.month,
    workerQueue: s.workerQueue,
    lastMeterAt: s.lastMeterAt,
    lastError: s.lastError,
  });
  const notReleased = () => {
    if (released || releaseReason) throw ApplicationFailure.nonRetryable(`chip ${chipId} is released`, 'ChipReleased');
  };
  const liveChipReason = (arg: unknown) => {
    notReleased();
    validateChipReason(arg);
  };

  setHandler(chipStateQuery, snapshot);
  setHandler(
    pauseChipUpdate,
    ({ reason }) => {
      s.operatorPause = reason.trim();
      wake = true;
      return snapshot();
    },
    { validator: liveChipReason },
  );
  setHandler(
    resumeChipUpdate,
    () => {
      s.operatorPause = null;
      quotaDirty = true;
      wake = true;
      return snapshot();
    },
    { validator: notReleased },
  );
  setHandler(
    releaseChipUpdate,
    async ({ reason }) => {
      releaseReason ??= reason.trim();
      wake = true;
      await condition(() => released);
      return snapshot();
    },
    { validator: validateChipReason },
  );
  setHandler(
    reassignProxyUpdate,
    ({ reason }) => {
      reassignReason = reason.trim();
      wake = true;
      return snapshot();
    },
    { validator: liveChipReason },
  );
  setHandler(quotaChangedUpdate, () => {
    quotaDirty = true;
    wake = true;
    return snapshot();
  });
  setHandler(reassignProxySignal, (arg) => {
    try {
      liveChipReason(arg);
    } catch (err) {
      log.warn('ignored a malformed reassign signal', { chipId, error: describe(err) });
      return;
    }
    reassignReason = arg.reason.trim();
    wake = true;
  });
  setHandler(quotaChangedSignal, () => {
    quotaDirty = true;
    wake = true;
  });

  async function setStatus(next: ChipLifecycleStatus, reason?: string) {
    if (next === status) return;
    status = next;
    upsertSearchAttributes([{ key: chipSearchAttributes.status, value: next }]);
    // Once connected, the chip row shows what Baileys reports; the worker holding the socket writes it.
    if (next === 'PAUSED') await records.recordChipStatus({ chipId, status: next, reason, lastError: `Paused: ${reason ?? 'paused'}` });
    else if (next !== 'CONNECTED') await records.recordChipStatus({ chipId, status: next, reason });
  }

  function supervise(queue: string) {
    const current: Supervision = { queue, ended: false };
    watch.current = current;
    supervisorOn(queue)
      .superviseChipConnection({ chipId })
      .then(
        (outcome) => (current.outcome = outcome),
        (err: unknown) => (current.error = describe(err)),
      )
      .finally(() => {
        current.ended = true;
      });
  }

  async function disconnect() {
    if (!s.workerQueue) return;
    await onChipWorker(s.workerQueue)
      .disconnectChip({ chipId })
      .catch((err: unknown) => log.warn('disconnect failed; the worker is gone or the chip already left it', { chipId, error: describe(err) }));
    s.workerQueue = null;
    s.connectionPaused = false;
    watch.current = null;
  }

  async function enforceQuota() {
    quotaDirty = false;
    const month = billingMonthOf(new Date());
    const standing = await records.quotaStanding({ userId, month });
    s.alertsSent = s.alertsSent.filter((key) => key.startsWith(month));
    for (const threshold of standing.thresholdsReached) {
      const key = `${month}:${threshold}`;
      if (s.alertsSent.includes(key)) continue;
      s.alertsSent.push(key);
      // Exactly-once is the database's job (unique user, month, threshold); this only avoids asking every cycle.
      alerts
        .deliverQuotaAlert({ userId, month, threshold, bytesUsed: standing.usedBytes, bytesAllowed: standing.allowanceBytes })
        .catch((err: unknown) => log.error('quota alert delivery gave up', { userId, threshold, error: describe(err) }));
    }
    const wasPaused = s.quotaPaused;
    s.quotaPaused = standing.overQuota;
    if (!wasPaused && standing.overQuota) {
      // Every chip of the owner stops now, not at its own next meter.
      for (const sibling of await records.listLiveChipIds({ userId })) {
        if (sibling === chipId) continue;
        await getExternalWorkflowHandle(chipWorkflowId(sibling))
          .signal(quotaChangedSignal)
          .catch(() => log.info('sibling chip has no running workflow', { sibling }));
      }
    }
  }

  /** The chip's worker is still there: no point asking a dead worker's queue (each try costs a timeout). */
  const workerAlive = () => s.workerQueue !== null && !watch.current?.ended;

  async function checkExitIp() {
    if (!workerAlive() || s.connectionPaused) return;
    try {
      const seen = await onChipWorker(s.workerQueue!).observeChipExitIp({ chipId });
      s.exitIp = seen.exitIp;
      if (!seen.proxied) {
        s.unproxiedProxyId = s.assignment?.proxyId ?? null;
        s.lastError = `exit IP ${seen.exitIp} is this server's own address: the proxy did not proxy`;
        wake = true;
      }
    } catch (err) {
      s.lastError = `exit IP check failed: ${describe(err)}`;
    }
  }

  async function meter() {
    const periodEnd = new Date().toISOString();
    if (workerAlive()) {
      await onChipWorker(s.workerQueue!)
        .flushChipCounters({ chipId })
        .catch((err: unknown) => (s.lastError = `counter flush failed: ${describe(err)}`));
    }
    const result = await records.meterChipUsage({ chipId, periodStart: s.lastMeterAt, periodEnd });
    const chipBytes = BigInt(result.bytesSent) + BigInt(result.bytesReceived);
    s.bytesThisMonth = (s.month === result.month ? BigInt(s.bytesThisMonth) + chipBytes : chipBytes).toString();
    s.month = result.month;
    s.lastPeriod = { bytesSent: result.bytesSent, bytesReceived: result.bytesReceived, cost: result.cost };
    s.lastMeterAt = periodEnd;
    await enforceQuota();
    await checkExitIp();
  }

  let metersThisRun = 0;
  if (s.workerQueue) supervise(s.workerQueue);

  while (!releaseReason) {
    if (!s.assignment || reassignReason || s.unproxiedProxyId) {
      if (reassignReason || s.unproxiedProxyId) await disconnect();
      const reason = reassignReason ?? (s.unproxiedProxyId ? 'the previous proxy did not proxy' : 'initial');
      const avoidProxyId = s.unproxiedProxyId ?? (reassignReason ? s.assignment?.proxyId : undefined);
      const assignment = await records.assignProxy({ chipId, reason, ...(avoidProxyId ? { avoidProxyId, onlyOther: Boolean(s.unproxiedProxyId) } : {}) });
      reassignReason = null;
      if (!assignment) {
        s.lastError = s.unproxiedProxyId
          ? 'the proxy let this chip out from the server\u2019s own IP; waiting for another healthy proxy in its region'
          : 'no healthy proxy is free in this chip\u2019s region';
        await setStatus('WAITING_FOR_PROXY', s.lastError);
        await retryLater();
        continue;
      }
      s.assignment = assignment;
      s.unproxiedProxyId = null;
      s.exitIp = null;
    }

    if (quotaDirty) await enforceQuota();
    const shouldRun = !s.operatorPause && !s.quotaPaused;

    if (shouldRun && !s.workerQueue) {
      await setStatus('CONNECTING');
      try {
        s.workerQueue = (await placement.connectChip({ chipId })).workerQueue;
        s.lastError = null;
        supervise(s.workerQueue);
        await setStatus('CONNECTED');
        await checkExitIp();
      } catch (err) {
        s.lastError = describe(err);
        log.warn('chip connect failed; retrying', { chipId, error: s.lastError });
        await retryLater();
        continue;
      }
    } else if (!shouldRun && s.workerQueue && !s.connectionPaused) {
      await onChipWorker(s.workerQueue).pauseChipConnection({ chipId, reason: pauseReason() ?? 'paused' });
      s.connectionPaused = true;
      await setStatus('PAUSED', pauseReason() ?? undefined);
    } else if (shouldRun && s.workerQueue && s.connectionPaused) {
      await onChipWorker(s.workerQueue).resumeChipConnection({ chipId });
      s.connectionPaused = false;
      await records.recordChipStatus({ chipId, status: 'CONNECTING', reason: 'resumed', lastError: null });
      await setStatus('CONNECTED', 'resumed');
    } else if (!shouldRun && !s.workerQueue) {
      await setStatus('PAUSED', pauseReason() ?? undefined);
    }

    const nextMeterAt = new Date(s.lastMeterAt).getTime() + settings.meterIntervalSeconds * 1000;
    const untilMeter = Math.max(0, nextMeterAt - Date.now());
    const current: Supervision | null = watch.current;
    await condition(() => wake || Boolean(current?.ended), untilMeter);
    wake = false;

    if (current?.ended && watch.current === current) {
      watch.current = null;
      if (current.outcome === 'logged_out') {
        loggedOut = true;
        await setStatus('LOGGED_OUT', 'WhatsApp logged the chip out');
        releaseReason = 'logged out';
        s.workerQueue = null;
        break;
      }
      // The worker holding the socket died or lost the chip: connect again, same sticky session.
      s.lastError = current.error ?? 'connection ended';
      s.workerQueue = null;
      s.connectionPaused = false;
      log.warn('chip connection lost; reconnecting', { chipId, error: s.lastError });
    }

    if (Date.now() >= nextMeterAt) {
      await meter();
      metersThisRun++;
      if (metersThisRun >= settings.metersPerRun || workflowInfo().continueAsNewSuggested) {
        await condition(allHandlersFinished);
        if (!releaseReason) return continueAsNew<typeof chipWorkflow>({ chipId, userId, settings: input.settings, carried: s });
      }
    }
  }

  // Disconnecting flushes the gateway's last counts, so the final meter after it bills every byte.
  await disconnect();
  if (s.assignment) await meter();
  await records.releaseAssignment({ chipId, reason: releaseReason });
  s.assignment = null;
  if (!loggedOut) await setStatus('RELEASED', releaseReason);
  released = true;
  await condition(allHandlersFinished);
  return snapshot();
}
