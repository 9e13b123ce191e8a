import { defineQuery, defineUpdate } from '@temporalio/workflow';

/** The chip workflow's id: one workflow per chip, so starting twice is refused by Temporal itself. */
export const chipWorkflowId = (chipId: string) => `chip-${chipId}`;

export type ChipLifecycleStatus =
  | 'WAITING_FOR_PROXY'
  | 'CONNECTING'
  | 'QR'
  | 'OPEN'
  | 'PAUSED'
  | 'CLOSED'
  | 'LOGGED_OUT'
  | 'RELEASED';

export interface ChipWorkflowInput {
  chipId: string;
  userId: string;
}

/** What operators and the web app can read from a running chip workflow (ids only, never secrets). */
export interface ChipState {
  chipId: string;
  userId: string;
  status: ChipLifecycleStatus;
  paused: boolean;
  pauseReason: string | null;
  proxyId: string | null;
  assignmentId: string | null;
  sessionId: string | null;
  exitIp: string | null;
  /** Bytes billed by the last meter period (decimal strings: bigint does not cross JSON). */
  lastPeriod: { bytesSent: string; bytesReceived: string } | null;
  bytesThisMonth: string;
  lastMeterAt: string | null;
  lastError: string | null;
}

export const chipStateQuery = defineQuery<ChipState>('chipState');

export const pauseChipUpdate = defineUpdate<ChipState, [{ reason: string }]>('pauseChip');
export const resumeChipUpdate = defineUpdate<ChipState, []>('resumeChip');
export const releaseChipUpdate = defineUpdate<ChipState, [{ reason: string }]>('releaseChip');
export const reassignProxyUpdate = defineUpdate<ChipState, [{ reason: string }]>('reassignProxy');
/** The owner's allowance may have changed (top-up, plan change): re-check quota now. */
export const quotaChangedUpdate = defineUpdate<ChipState, []>('quotaChanged');
