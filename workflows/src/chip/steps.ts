// The chip workflow's steps: each does one thing with activities and records the result in state
// through the pure transitions of state.ts. None throws for an activity failure: a failure is
// written to `lastError` and the step reports that the loop should try again later.
import { ActivityFailure, ApplicationFailure, log, patched, TimeoutFailure, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { billingMonthOf } from '../rules/billing-month';
import { QUOTA_PAUSE_REASON } from '../rules/quota';
import { alerts, fanOut, meterTick, onChipWorker, placement, records } from './activity-options';
import { chipSearchAttributes, type ChipLifecycleStatus } from './contract';
import type { ChipRun } from './run';
import { alertDelivered, assigned, connectionGone, exitIpCheckDue, exitIpProbeFailed, exitIpSeen, judged, metered, pauseReason, type ChipStep } from './state';
import { describeFailure, type Supervision } from './supervision';

/** What a step asks of the loop: carry on, or wait (for a command or the retry interval) before trying again. */
export type StepResult = 'done' | 'retry';

export async function setStatus(run: ChipRun, next: ChipLifecycleStatus, reason?: string): Promise<void> {
  if (next === run.state.status) return;
  run.state.status = next;
  upsertSearchAttributes([{ key: chipSearchAttributes.status, value: next }]);
  // Once connected, the chip row shows what Baileys reports; the worker holding the socket writes it.
  if (next === 'PAUSED') await records.recordChipStatus({ chipId: run.chipId, status: next, reason, lastError: `Paused: ${reason ?? 'paused'}` });
  else if (next !== 'CONNECTED') await records.recordChipStatus({ chipId: run.chipId, status: next, reason });
}

/** The worker queue did not take the task (dead or stalled worker), or the chip is not on that worker any more. */
function workerGone(err: unknown): boolean {
  if (!(err instanceof ActivityFailure)) return false;
  const cause = err.cause;
  if (cause instanceof TimeoutFailure) return cause.timeoutType === 'SCHEDULE_TO_START';
  return cause instanceof ApplicationFailure && cause.type === 'ChipNotOnThisWorker';
}

/**
 * Runs an activity on the chip's worker. If that worker is gone, the chip holds no socket anywhere
 * (the loop connects it again where it should be); any other failure is recorded and retried later.
 */
async function onWorker(run: ChipRun, supervision: Supervision, call: (queue: string) => Promise<unknown>): Promise<StepResult> {
  const queue = run.state.workerQueue;
  if (!queue) return 'done';
  try {
    await call(queue);
    return 'done';
  } catch (err) {
    const error = describeFailure(err);
    if (workerGone(err)) {
      log.warn('the chip\u2019s worker is gone; the chip will connect again where it should', { chipId: run.chipId, error });
      connectionGone(run.state, error);
      supervision.stop();
      return 'done';
    }
    run.state.lastError = error;
    return 'retry';
  }
}

export async function disconnect(run: ChipRun, supervision: Supervision, scheduleToStart: '5 seconds' | '30 seconds' = '30 seconds'): Promise<void> {
  const queue = run.state.workerQueue;
  if (!queue) return;
  supervision.stop();
  await onChipWorker(queue, scheduleToStart)
    .disconnectChip({ chipId: run.chipId })
    .catch((err: unknown) => log.warn('disconnect failed; the worker is gone or the chip already left it', { chipId: run.chipId, error: describeFailure(err) }));
  connectionGone(run.state);
}

export async function takeStep(run: ChipRun, supervision: Supervision, step: ChipStep): Promise<StepResult> {
  const s = run.state;
  switch (step.kind) {
    case 'move': {
      // Asked first, so a chip leaves its proxy only when it has somewhere to go.
      const assignment = await records.assignProxy({ chipId: run.chipId, reason: step.reason, ...(step.avoidProxyId ? { avoidProxyId: step.avoidProxyId, onlyOther: step.onlyOther } : {}) });
      if (!assignment) {
        if (s.assignment && !s.unproxiedProxyId) {
          s.pendingReassign = null;
          delete s.pendingReassignOnlyOther;
          s.lastError = 'no healthy proxy is free in this chip\u2019s region to move to; it stays where it is';
          return 'done';
        }
        // An unproxied chip must not carry traffic even with nowhere to go.
        await disconnect(run, supervision);
        s.lastError = s.unproxiedProxyId
          ? 'the proxy let this chip out from the server\u2019s own IP; waiting for another healthy proxy in its region'
          : 'no healthy proxy is free in this chip\u2019s region';
        await setStatus(run, 'WAITING_FOR_PROXY', s.lastError);
        return 'retry';
      }
      await disconnect(run, supervision);
      assigned(s, assignment);
      return 'done';
    }
    case 'connect': {
      await setStatus(run, 'CONNECTING');
      try {
        s.workerQueue = (await placement.connectChip({ chipId: run.chipId })).workerQueue;
      } catch (err) {
        s.lastError = describeFailure(err);
        log.warn('chip connect failed; retrying', { chipId: run.chipId, error: s.lastError });
        return 'retry';
      }
      s.connectionPaused = false;
      s.lastError = null;
      supervision.start(s.workerQueue);
      await setStatus(run, 'CONNECTED');
      await checkExitIp(run, supervision, true);
      return 'done';
    }
    case 'pause-connection': {
      const result = await onWorker(run, supervision, (queue) => onChipWorker(queue).pauseChipConnection({ chipId: run.chipId, reason: step.reason }));
      if (result === 'done' && s.workerQueue) s.connectionPaused = true;
      if (result === 'done') await setStatus(run, 'PAUSED', step.reason);
      return result;
    }
    case 'resume-connection': {
      const result = await onWorker(run, supervision, (queue) => onChipWorker(queue).resumeChipConnection({ chipId: run.chipId }));
      if (result === 'done' && s.workerQueue) {
        s.connectionPaused = false;
        await records.recordChipStatus({ chipId: run.chipId, status: 'CONNECTING', reason: 'resumed', lastError: null });
        await setStatus(run, 'CONNECTED', 'resumed');
      }
      return result;
    }
    case 'settle':
      await setStatus(run, step.status, step.status === 'PAUSED' ? (pauseReason(s) ?? QUOTA_PAUSE_REASON) : undefined);
      return 'done';
  }
}

/** Probes the exit IP through the chip's proxy: after connecting, then at most every `exitIpCheckSeconds`. */
export async function checkExitIp(run: ChipRun, supervision: Supervision, force = false): Promise<void> {
  const s = run.state;
  if (!force && !exitIpCheckDue(s, run.settings, Date.now())) return;
  if (!s.workerQueue || s.connectionPaused) return;
  const queue = s.workerQueue;
  try {
    exitIpSeen(s, await onChipWorker(queue).observeChipExitIp({ chipId: run.chipId }), new Date().toISOString());
    if (s.unproxiedProxyId) run.wake = true;
  } catch (err) {
    const now = new Date().toISOString();
    if (workerGone(err)) {
      s.exitIpCheckedAt = now;
      connectionGone(s, describeFailure(err));
      supervision.stop();
    } else {
      exitIpProbeFailed(s, now, describeFailure(err));
      // Runs recorded before failed probes were retried sooner waited the whole interval; their replay must too.
      if (!patched('exit-ip-retry-after-failure')) delete s.exitIpFailures;
    }
  }
}

/** The owner's standing was asked for by a command (resume, quota changed): judge it apart from a meter. */
export async function enforceQuota(run: ChipRun): Promise<void> {
  run.quotaDirty = false;
  judged(run.state, await records.quotaStanding({ userId: run.userId, month: billingMonthOf(new Date()) }));
}

/** One meter tick: bills the period (one local activity that also answers the standing), judges it, and owes alerts. */
export async function meter(run: ChipRun, supervision: Supervision): Promise<void> {
  const periodEnd = new Date().toISOString();
  const { usage, standing, holder } = await meterTick.meterChip({ chipId: run.chipId, userId: run.userId, periodStart: run.state.lastMeterAt, periodEnd });
  metered(run.state, usage, periodEnd);
  // The backstop to the workers' signals: the database says who holds the chip and whether that worker's lease lives.
  const queue = run.state.workerQueue;
  if (queue && (holder.workerId !== queue || !holder.alive)) supervision.end(queue, holder.workerId === queue ? 'worker_lost' : 'disconnected');
  run.quotaDirty = false;
  // The owner crossed its allowance in this chip's own meter: the other chips hear of it now, not at their next
  // meter. One activity; the first chip to claim the crossing sends one signal per chip, the others nothing.
  if (judged(run.state, standing).crossedIntoOverQuota) {
    await fanOut.tellOwnerChipsOverQuota({ userId: run.userId, month: standing.month, chipId: run.chipId }).catch((err: unknown) => log.warn('could not tell the owner\u2019s other chips; they see it at their own meter', { chipId: run.chipId, error: describeFailure(err) }));
  }
}

/**
 * Starts delivering every owed alert not already on its way, beside the loop (a broken SMTP server
 * never holds up metering). An alert is recorded as sent only after its delivery succeeded; one that
 * failed stays owed and is tried again at the next meter, and what is owed crosses continue-as-new.
 */
export function deliverOwedAlerts(run: ChipRun): void {
  for (const alert of run.state.alertsOwed) {
    if (run.alertsInFlight.has(alert.key)) continue;
    run.alertsInFlight.add(alert.key);
    alerts
      .deliverQuotaAlert({ userId: run.userId, month: alert.month, threshold: alert.threshold, bytesUsed: alert.bytesUsed, bytesAllowed: alert.bytesAllowed })
      .then(
        () => alertDelivered(run.state, alert.key),
        (err: unknown) => log.warn('quota alert not delivered yet; trying again at the next meter', { chipId: run.chipId, alert: alert.key, error: describeFailure(err) }),
      )
      .finally(() => run.alertsInFlight.delete(alert.key));
  }
}

export const continueAsNewDue = (run: ChipRun, metersThisRun: number) => metersThisRun >= run.settings.metersPerRun || workflowInfo().continueAsNewSuggested;
