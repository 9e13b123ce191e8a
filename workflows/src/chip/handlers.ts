// The chip workflow's message handlers. Each only records what was asked and wakes the loop; the
// loop carries the command out, so a command never fails the workflow, whatever the worker's state.
import { ApplicationFailure, condition, log, setHandler } from '@temporalio/workflow';
import { validateChipReason } from '../rules/chip-commands';
import {
  ChipRefusal,
  chipConnectionEndedSignal,
  chipStateQuery,
  pauseChipUpdate,
  quotaChangedSignal,
  quotaChangedUpdate,
  reassignProxySignal,
  reassignProxyUpdate,
  releaseChipUpdate,
  resumeChipUpdate,
} from './contract';
import type { ChipRun } from './run';
import type { Supervision } from './supervision';
import { snapshot } from './state';

/** Bad input is refused with a non-retryable failure of a named type, so no caller retries it. */
function refuseInvalid(check: () => void): void {
  try {
    check();
  } catch (err) {
    if (err instanceof ApplicationFailure) throw err;
    throw ApplicationFailure.nonRetryable(err instanceof Error ? err.message : String(err), ChipRefusal.invalid);
  }
}

export function installHandlers(run: ChipRun, supervision: Supervision): void {
  const s = run.state;
  const current = () => snapshot(run.chipId, run.userId, s);
  const notReleased = () => {
    if (run.released || run.releaseReason) throw ApplicationFailure.nonRetryable(`chip ${run.chipId} is released`, ChipRefusal.released);
  };
  const liveChipReason = (arg: unknown) => {
    notReleased();
    refuseInvalid(() => validateChipReason(arg));
  };
  const wake = () => {
    run.wake = true;
    return current();
  };

  setHandler(chipStateQuery, current);
  setHandler(
    pauseChipUpdate,
    ({ reason }) => {
      s.operatorPause = reason.trim();
      return wake();
    },
    { validator: liveChipReason },
  );
  setHandler(
    resumeChipUpdate,
    () => {
      s.operatorPause = null;
      run.quotaDirty = true;
      return wake();
    },
    { validator: notReleased },
  );
  setHandler(
    releaseChipUpdate,
    async ({ reason }) => {
      run.releaseReason ??= reason.trim();
      run.wake = true;
      await condition(() => run.released);
      return current();
    },
    { validator: (arg) => refuseInvalid(() => validateChipReason(arg)) },
  );
  setHandler(
    reassignProxyUpdate,
    ({ reason }) => {
      s.pendingReassign = reason.trim();
      delete s.pendingReassignOnlyOther;
      return wake();
    },
    { validator: liveChipReason },
  );
  setHandler(quotaChangedUpdate, () => {
    run.quotaDirty = true;
    return wake();
  });
  setHandler(reassignProxySignal, (arg) => {
    try {
      liveChipReason(arg);
    } catch (err) {
      log.warn('ignored a reassign signal', { chipId: run.chipId, error: err instanceof Error ? err.message : String(err) });
      return;
    }
    s.pendingReassign = arg.reason.trim();
    if (arg.onlyToAnotherProxy) s.pendingReassignOnlyOther = true;
    else delete s.pendingReassignOnlyOther;
    run.wake = true;
  });
  setHandler(chipConnectionEndedSignal, ({ workerQueue, outcome }) => {
    if (supervision.end(workerQueue, outcome)) run.wake = true;
  });
  setHandler(quotaChangedSignal, () => {
    run.quotaDirty = true;
    run.wake = true;
  });
}
