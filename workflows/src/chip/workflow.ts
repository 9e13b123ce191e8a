import { allHandlersFinished, ApplicationFailure, condition, continueAsNew, log, patched } from '@temporalio/workflow';
import { ChipRefusal, type ChipState, type ChipWorkflowRunInput } from './contract';
import { installHandlers } from './handlers';
import { newRun, type ChipRun } from './run';
import { carriedState, initialState, nextMeterAt, nextStep, snapshot } from './state';
import { checkExitIp, continueAsNewDue, deliverOwedAlerts, disconnect, enforceQuota, meter, setStatus, takeStep } from './steps';
import { Supervision } from './supervision';
import { records } from './activity-options';

/**
 * One chip's whole life: assign a proxy, connect on a worker, meter every interval, enforce the
 * owner's quota, and release at the end. Each pass takes one step toward where the chip should be
 * (state.ts decides which), then waits for a command, the end of the socket's watch, or the meter.
 */
export async function chipWorkflow(input: ChipWorkflowRunInput): Promise<ChipState> {
  const run = newRun(input.chipId, input.userId, settingsOf(input), input.carried ? carriedState(input.carried) : initialState(new Date().toISOString()), !input.carried);
  const supervision = new Supervision();
  installHandlers(run, supervision);
  if (run.state.workerQueue) supervision.start(run.state.workerQueue);
  let metersThisRun = 0;
  let stepsWithoutWaiting = 0;

  while (!run.releaseReason) {
    if (run.quotaDirty) {
      await enforceQuota(run);
      // A gateway's lease crossed 80% or 100% and told the chip: the alert goes out now, not at the next meter.
      if (patched('alerts-on-quota-change')) deliverOwedAlerts(run);
    }
    const step = await takeStep(run, supervision, nextStep(run.state));
    // A proxy just assigned is connected at once, not at the next meter (up to 5 minutes for a new chip's QR);
    // bounded, so steps that keep answering 'done' without getting anywhere still wait.
    if (step === 'done' && nextStep(run.state).kind !== 'settle' && ++stepsWithoutWaiting <= MAX_STEPS_WITHOUT_WAITING && patched('next-step-at-once')) continue;
    stepsWithoutWaiting = 0;
    // A step that must be tried again waits for a command or the retry interval, never past the meter.
    const meterAt = nextMeterAt(run.state, run.settings);
    const untilMeter = Math.max(0, meterAt - Date.now());
    await condition(() => run.wake || supervision.ended(), step === 'retry' ? Math.min(untilMeter, run.settings.proxyRetrySeconds * 1000) : untilMeter);
    run.wake = false;

    const ended = supervision.takeEnded();
    if (ended?.outcome === 'logged_out') {
      run.loggedOut = true;
      run.releaseReason = 'logged out';
      await setStatus(run, 'LOGGED_OUT', 'WhatsApp logged the chip out');
    } else if (ended) {
      // The worker holding the socket died or lost the chip: the next pass connects it again, same sticky session.
      log.warn('chip connection lost; reconnecting', { chipId: run.chipId, error: ended.error ?? 'connection ended' });
      run.state.workerQueue = null;
      run.state.connectionPaused = false;
      run.state.lastError = ended.error ?? 'connection ended';
    }

    if (!run.releaseReason && Date.now() >= meterAt) {
      await meter(run, supervision);
      deliverOwedAlerts(run);
      await checkExitIp(run, supervision);
      if (continueAsNewDue(run, ++metersThisRun)) {
        // Handlers finish before the run hands over; a release arriving meanwhile is carried out here instead.
        await condition(() => allHandlersFinished() || run.releaseReason !== null);
        if (!run.releaseReason) return continueAsNew<typeof chipWorkflow>({ chipId: run.chipId, userId: run.userId, settings: run.settings, carried: run.state });
      }
    }
  }
  return release(run, supervision);
}

const MAX_STEPS_WITHOUT_WAITING = 4;

/** Disconnecting flushes the gateway's last counts, so the final meter after it bills every byte. */
async function release(run: ChipRun, supervision: Supervision): Promise<ChipState> {
  const reason = run.releaseReason ?? 'released';
  // A dead worker must not hold the release up: it answers within seconds or is treated as gone.
  await disconnect(run, supervision, '5 seconds');
  if (run.state.assignment) await meter(run, supervision);
  await records.releaseAssignment({ chipId: run.chipId, reason });
  run.state.assignment = null;
  if (!run.loggedOut) await setStatus(run, 'RELEASED', reason);
  run.released = true;
  await condition(allHandlersFinished);
  return snapshot(run.chipId, run.userId, run.state);
}

/** Settings are resolved once, by the client at start, and carried; a run never fills in defaults of its own. */
function settingsOf(input: ChipWorkflowRunInput) {
  const { settings } = input;
  const fields = ['meterIntervalSeconds', 'metersPerRun', 'proxyRetrySeconds', 'exitIpCheckSeconds'] as const;
  const missing = fields.filter((name) => typeof settings?.[name] !== 'number');
  if (missing.length > 0) throw ApplicationFailure.nonRetryable(`settings: ${missing.join(', ')} missing; start chips with the chip client, which resolves them`, ChipRefusal.invalid);
  return settings;
}
