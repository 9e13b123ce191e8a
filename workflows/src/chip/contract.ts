import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';

/** The chip workflow's id: one workflow per chip, so starting twice is refused by Temporal itself. */
export const chipWorkflowId = (chipId: string) => `chip-${chipId}`;

/**
 * Where the chip's lifecycle stands. CONNECTED means its socket is placed on a worker behind the
 * gateway; the WhatsApp-level state (connecting, QR, open, closed) is on the chip row, written by
 * the worker that holds the socket as Baileys reports it.
 */
export type ChipLifecycleStatus = 'WAITING_FOR_PROXY' | 'CONNECTING' | 'CONNECTED' | 'PAUSED' | 'LOGGED_OUT' | 'RELEASED';

export interface ChipWorkflowInput {
  chipId: string;
  userId: string;
  settings?: Partial<ChipWorkflowSettings>;
}

export interface ChipWorkflowSettings {
  /** How often the chip's bytes are billed; 5 minutes in production, seconds in tests. */
  meterIntervalSeconds: number;
  /** Meter cycles per run before continue-as-new, which keeps every run's history small. */
  metersPerRun: number;
  /** How long a chip waits before asking again for a proxy when none is free. */
  proxyRetrySeconds: number;
}

export const DEFAULT_CHIP_SETTINGS: ChipWorkflowSettings = { meterIntervalSeconds: 300, metersPerRun: 100, proxyRetrySeconds: 30 };

/** Search attributes (registered with the dev server in test/stack/temporal.ts) for filtering chips in the Temporal UI. */
export const chipSearchAttributes = {
  userId: defineSearchAttributeKey('ChipgateUserId', SearchAttributeType.KEYWORD),
  chipId: defineSearchAttributeKey('ChipgateChipId', SearchAttributeType.KEYWORD),
  status: defineSearchAttributeKey('ChipgateChipStatus', SearchAttributeType.KEYWORD),
};

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
  lastPeriod: { bytesSent: string; bytesReceived: string; cost: string } | null;
  /** This chip's billed bytes in the current billing month. */
  bytesThisMonth: string;
  month: string | null;
  workerQueue: string | null;
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
/** Same as quotaChangedUpdate, for senders that cannot send updates (other workflows). */
export const quotaChangedSignal = defineSignal<[]>('quotaChangedSignal');
/** Same as reassignProxyUpdate, for the health-check workflow. */
export const reassignProxySignal = defineSignal<[{ reason: string }]>('reassignProxySignal');
