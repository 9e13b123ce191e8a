import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { ChipRunState } from './state';

/** The chip workflow's id: one workflow per chip, so starting twice is refused by Temporal itself. */
export const chipWorkflowId = (chipId: string) => `chip-${chipId}`;

const CHIP_WORKFLOW_ID_PREFIX = chipWorkflowId('');

/** The chip a chip workflow id names; undefined for any other workflow's id. */
export function chipIdOfWorkflow(workflowId: string): string | undefined {
  return workflowId.startsWith(CHIP_WORKFLOW_ID_PREFIX) ? workflowId.slice(CHIP_WORKFLOW_ID_PREFIX.length) : undefined;
}

/**
 * Where the chip's lifecycle stands. CONNECTED means its socket is placed on a worker behind the
 * gateway; the WhatsApp-level state (connecting, QR, open, closed) is on the chip row, written by
 * the worker that holds the socket as Baileys reports it.
 */
export type ChipLifecycleStatus = 'WAITING_FOR_PROXY' | 'CONNECTING' | 'CONNECTED' | 'PAUSED' | 'LOGGED_OUT' | 'RELEASED';

/** What a caller gives to start a chip; settings it leaves out are resolved once, by the client, at start. */
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
  /** How often the exit IP is probed through the chip's proxy once connected (each probe is an action and platform traffic). */
  exitIpCheckSeconds: number;
}

/** Used by the client at start only: a running workflow carries its resolved settings and never reads these. */
export const DEFAULT_CHIP_SETTINGS: ChipWorkflowSettings = { meterIntervalSeconds: 300, metersPerRun: 100, proxyRetrySeconds: 30, exitIpCheckSeconds: 3600 };

const SETTING_BOUNDS: Record<keyof ChipWorkflowSettings, [number, number]> = {
  meterIntervalSeconds: [1, 86_400],
  metersPerRun: [1, 10_000],
  proxyRetrySeconds: [1, 3600],
  exitIpCheckSeconds: [1, 7 * 86_400],
};

/** Defaults filled in and every field checked, naming the bad one; the result is what the workflow carries for life. */
export function resolveChipSettings(given: Partial<ChipWorkflowSettings> = {}): ChipWorkflowSettings {
  const settings = { ...DEFAULT_CHIP_SETTINGS, ...given };
  for (const [name, [min, max]] of Object.entries(SETTING_BOUNDS) as Array<[keyof ChipWorkflowSettings, [number, number]]>) {
    const value = settings[name];
    if (!Number.isInteger(value) || value < min || value > max) throw new TypeError(`settings.${name}: must be a whole number from ${min} to ${max}, got ${String(value)}`);
  }
  return settings;
}

/** What the workflow itself receives: settings complete, and on later runs the state the previous run carried. */
export interface ChipWorkflowRunInput {
  chipId: string;
  userId: string;
  settings: ChipWorkflowSettings;
  carried?: ChipRunState;
}

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
  lastPeriod: { bytesSent: string; bytesReceived: string; costs: Array<{ amount: string; currency: string }> } | null;
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
export const reassignProxySignal = defineSignal<[{ reason: string; onlyToAnotherProxy?: boolean }]>('reassignProxySignal');

/** Error types a chip workflow refuses commands with (non-retryable): callers can match on them. */
export const ChipRefusal = { invalid: 'InvalidChipCommand', released: 'ChipReleased' } as const;

/**
 * From the worker side: the chip's connection on `workerQueue` ended by itself — WhatsApp logged
 * it out, the worker's lease expired (sent by the live worker that reaped it), or the worker was
 * fenced and dropped it. A run ignores it unless `workerQueue` is where it placed the chip.
 */
export const chipConnectionEndedSignal = defineSignal<[{ workerQueue: string; outcome: 'logged_out' | 'disconnected' | 'worker_lost' }]>('chipConnectionEnded');
