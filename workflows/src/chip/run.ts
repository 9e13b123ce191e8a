import type { ChipWorkflowSettings } from './contract';
import type { ChipRunState } from './state';

/** One run of a chip workflow: its carried state plus what only lives within this run. */
export interface ChipRun {
  readonly chipId: string;
  readonly userId: string;
  readonly settings: ChipWorkflowSettings;
  readonly state: ChipRunState;
  /** A command arrived: the loop looks again before waiting out its timer. */
  wake: boolean;
  /** The owner's allowance may have changed: ask for the standing before the next step. */
  quotaDirty: boolean;
  /** Set by the release command (or a logout); from then on the run only winds down. */
  releaseReason: string | null;
  /** The chip is released; the release command's handler answers from here. */
  released: boolean;
  loggedOut: boolean;
  /** Owed alerts whose delivery this run has started and not yet seen end. */
  alertsInFlight: Set<string>;
}

export function newRun(chipId: string, userId: string, settings: ChipWorkflowSettings, state: ChipRunState, firstRun: boolean): ChipRun {
  return { chipId, userId, settings, state, wake: false, quotaDirty: firstRun, releaseReason: null, released: false, loggedOut: false, alertsInFlight: new Set() };
}
