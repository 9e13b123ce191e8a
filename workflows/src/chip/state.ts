// The chip workflow's carried state and every rule about it, as pure functions: no Temporal, no
// I/O, no clock (callers pass `now`), so each rule has a unit test (test/unit/chip-state.test.ts).
import { ACCOUNT_DISABLED_PAUSE_REASON, QUOTA_PAUSE_REASON, quotaAlertKey, type QuotaThreshold } from '../rules/quota';
import type { ChipLifecycleStatus, ChipState, ChipWorkflowSettings } from './contract';

export interface ChipAssignment {
  assignmentId: string;
  proxyId: string;
  sessionId: string;
}

/** An 80% or 100% alert the chip found due and has not yet seen delivered. */
export interface OwedAlert {
  key: string;
  month: string;
  threshold: QuotaThreshold;
  bytesUsed: string;
  bytesAllowed: string;
}

/** Everything one run hands to the next at continue-as-new: plain JSON, so history shows it. */
export interface ChipRunState {
  status: ChipLifecycleStatus;
  assignment: ChipAssignment | null;
  /** The task queue of the worker holding the chip's socket; null when no worker holds it. */
  workerQueue: string | null;
  /** Whether the socket on `workerQueue` is paused (what is applied, as opposed to what is wanted). */
  connectionPaused: boolean;
  operatorPause: string | null;
  quotaPaused: boolean;
  /** The owner's account is disabled by an admin (from the standing): paused whatever the quota says. Absent in older runs' state. */
  accountDisabled?: boolean;
  /** A reassign accepted but not yet carried out; survives continue-as-new. */
  pendingReassign: string | null;
  /** The pending reassign may only go to another proxy (a health move: never a re-rolled session on the same one). */
  pendingReassignOnlyOther?: boolean;
  /** A proxy seen letting this chip's traffic out unproxied: the chip takes no traffic until it has another. */
  unproxiedProxyId: string | null;
  exitIp: string | null;
  exitIpCheckedAt: string | null;
  /** Probes failed in a row since the last answer; absent in older runs' state and after an answer. */
  exitIpFailures?: number;
  lastMeterAt: string;
  lastPeriod: ChipState['lastPeriod'];
  bytesThisMonth: string;
  month: string | null;
  lastError: string | null;
  /** Alerts delivered (`<month>:<threshold>:<allowance bytes>`), so a chip does not ask again every cycle. */
  alertsSent: string[];
  /** Alerts due and not yet delivered: retried every meter until they are, across continue-as-new. */
  alertsOwed: OwedAlert[];
}

export function initialState(now: string): ChipRunState {
  return {
    status: 'WAITING_FOR_PROXY',
    assignment: null,
    workerQueue: null,
    connectionPaused: false,
    operatorPause: null,
    quotaPaused: false,
    pendingReassign: null,
    unproxiedProxyId: null,
    exitIp: null,
    exitIpCheckedAt: null,
    lastMeterAt: now,
    lastPeriod: null,
    bytesThisMonth: '0',
    month: null,
    lastError: null,
    alertsSent: [],
    alertsOwed: [],
  };
}

export function pauseReason(s: ChipRunState): string | null {
  return s.operatorPause ?? (s.accountDisabled ? ACCOUNT_DISABLED_PAUSE_REASON : s.quotaPaused ? QUOTA_PAUSE_REASON : null);
}

/** Whether the chip should carry traffic: nobody paused it. */
export const wantsToRun = (s: ChipRunState): boolean => s.operatorPause === null && !s.quotaPaused && !s.accountDisabled;

export function snapshot(chipId: string, userId: string, s: ChipRunState): ChipState {
  return {
    chipId,
    userId,
    status: s.status,
    paused: !wantsToRun(s),
    pauseReason: pauseReason(s),
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
  };
}

/**
 * What the loop does next to bring the chip where it should be. Only one step per pass, so every
 * command that arrives in between is seen before the next step.
 */
export type ChipStep =
  | { kind: 'move'; reason: string; avoidProxyId?: string; onlyOther: boolean }
  | { kind: 'connect' }
  | { kind: 'pause-connection'; reason: string }
  | { kind: 'resume-connection' }
  | { kind: 'settle'; status: ChipLifecycleStatus };

export function nextStep(s: ChipRunState): ChipStep {
  if (s.unproxiedProxyId) return { kind: 'move', reason: 'the previous proxy did not proxy', avoidProxyId: s.unproxiedProxyId, onlyOther: true };
  if (s.pendingReassign) return { kind: 'move', reason: s.pendingReassign, ...(s.assignment ? { avoidProxyId: s.assignment.proxyId } : {}), onlyOther: s.pendingReassignOnlyOther === true };
  if (!s.assignment) return { kind: 'move', reason: 'initial', onlyOther: false };
  const run = wantsToRun(s);
  if (run && !s.workerQueue) return { kind: 'connect' };
  if (!run && s.workerQueue && !s.connectionPaused) return { kind: 'pause-connection', reason: pauseReason(s) ?? 'paused' };
  if (run && s.workerQueue && s.connectionPaused) return { kind: 'resume-connection' };
  return { kind: 'settle', status: run ? 'CONNECTED' : 'PAUSED' };
}

/** A proxy was found for the chip (first time or a move): whatever blocked the move is done. */
export function assigned(s: ChipRunState, assignment: ChipAssignment): void {
  s.assignment = assignment;
  s.pendingReassign = null;
  delete s.pendingReassignOnlyOther;
  s.unproxiedProxyId = null;
  s.exitIp = null;
  s.exitIpCheckedAt = null;
}

/** The chip's socket left its worker (disconnected, the worker died or lost it): it holds nothing now. */
export function connectionGone(s: ChipRunState, error?: string): void {
  s.workerQueue = null;
  s.connectionPaused = false;
  if (error !== undefined) s.lastError = error;
}

export interface MeterOutcome {
  bytesSent: string;
  bytesReceived: string;
  costs: Array<{ amount: string; currency: string }>;
  month: string;
  /**
   * The part billed to `month` (a period that began in the month before is split at the boundary).
   * Absent in the meter results of older builds (replayed histories): all of it.
   */
  monthChipBytes?: string;
}

export function metered(s: ChipRunState, result: MeterOutcome, periodEnd: string): void {
  const chipBytes = BigInt(result.monthChipBytes ?? BigInt(result.bytesSent) + BigInt(result.bytesReceived));
  s.bytesThisMonth = (s.month === result.month ? BigInt(s.bytesThisMonth) + chipBytes : chipBytes).toString();
  s.month = result.month;
  s.lastPeriod = { bytesSent: result.bytesSent, bytesReceived: result.bytesReceived, costs: result.costs };
  s.lastMeterAt = periodEnd;
}

export interface Standing {
  month: string;
  usedBytes: string;
  allowanceBytes: string;
  overQuota: boolean;
  thresholdsReached: QuotaThreshold[];
  /** Absent in the activity results of older builds (replayed histories): the account was not disabled. */
  accountDisabled?: boolean;
}

/**
 * Applies the owner's quota standing: pauses or unpauses for quota, forgets last month's alerts,
 * and owes every alert reached under the current allowance and neither delivered nor already owed. Answers whether the chip
 * has just crossed into over-quota (the moment its siblings must hear of it).
 */
export function judged(s: ChipRunState, standing: Standing): { crossedIntoOverQuota: boolean } {
  const { month } = standing;
  s.alertsSent = s.alertsSent.filter((key) => key.startsWith(month));
  s.alertsOwed = s.alertsOwed.filter((alert) => alert.month === month);
  for (const threshold of standing.thresholdsReached) {
    const key = quotaAlertKey(month, threshold, standing.allowanceBytes);
    if (alreadySent(s.alertsSent, key) || s.alertsOwed.some((alert) => alert.key === key)) continue;
    s.alertsOwed.push({ key, month, threshold, bytesUsed: standing.usedBytes, bytesAllowed: standing.allowanceBytes });
  }
  const crossedIntoOverQuota = !s.quotaPaused && standing.overQuota;
  s.quotaPaused = standing.overQuota;
  if (standing.accountDisabled) s.accountDisabled = true;
  else delete s.accountDisabled;
  return { crossedIntoOverQuota };
}

/**
 * Keys recorded by builds before alerts re-armed carry no allowance (`<month>:<threshold>`): they
 * stand for the allowance of their day, so a chip that sent them does not owe them again.
 */
function alreadySent(sent: readonly string[], key: string): boolean {
  return sent.includes(key) || sent.includes(key.slice(0, key.lastIndexOf(':')));
}

/** Recorded as sent only once delivery succeeded. */
export function alertDelivered(s: ChipRunState, key: string): void {
  s.alertsOwed = s.alertsOwed.filter((alert) => alert.key !== key);
  if (!s.alertsSent.includes(key)) s.alertsSent.push(key);
}

export function nextMeterAt(s: ChipRunState, settings: ChipWorkflowSettings): number {
  return Date.parse(s.lastMeterAt) + settings.meterIntervalSeconds * 1000;
}

/**
 * The exit-IP probe costs an action and platform traffic: right after connecting, then at most every
 * `exitIpCheckSeconds`. A failed probe (the echo or the database slow for a moment) is tried again at
 * the next meter, then at doubling intervals up to `exitIpCheckSeconds`: a chip is not left an hour
 * without a known exit, and an echo outage costs each chip a handful of extra probes, not one per meter.
 */
export function exitIpCheckDue(s: ChipRunState, settings: ChipWorkflowSettings, now: number): boolean {
  if (!s.workerQueue || s.connectionPaused) return false;
  if (s.exitIpCheckedAt === null) return true;
  const failures = s.exitIpFailures ?? 0;
  const waitSeconds = failures > 0 ? Math.min(settings.exitIpCheckSeconds, settings.meterIntervalSeconds * 2 ** (failures - 1)) : settings.exitIpCheckSeconds;
  return now - Date.parse(s.exitIpCheckedAt) >= waitSeconds * 1000;
}

/** A probe that got no answer: when it may be tried again is exitIpCheckDue's. */
export function exitIpProbeFailed(s: ChipRunState, now: string, error: string): void {
  s.exitIpCheckedAt = now;
  s.exitIpFailures = (s.exitIpFailures ?? 0) + 1;
  s.lastError = `exit IP check failed: ${error}`;
}

/** The probe's answer: an exit equal to the server's own address means the proxy let the chip out unproxied. */
export function exitIpSeen(s: ChipRunState, seen: { exitIp: string; proxied: boolean }, now: string): void {
  s.exitIp = seen.exitIp;
  s.exitIpCheckedAt = now;
  delete s.exitIpFailures;
  if (!seen.proxied) {
    s.unproxiedProxyId = s.assignment?.proxyId ?? null;
    s.lastError = `exit IP ${seen.exitIp} is this server's own address: the proxy did not proxy`;
  }
}

/**
 * A state carried by a run of an older build may lack fields this build added; fill them here, once,
 * with the values the older build behaved as (never with tunable defaults, which would break replay).
 */
export function carriedState(carried: Partial<ChipRunState> & Pick<ChipRunState, 'lastMeterAt'>): ChipRunState {
  const base = initialState(carried.lastMeterAt);
  const s: ChipRunState = { ...base, ...carried, alertsOwed: carried.alertsOwed ?? [], pendingReassign: carried.pendingReassign ?? null };
  if (!carried.status) s.status = !wantsToRun(s) ? 'PAUSED' : s.workerQueue ? 'CONNECTED' : s.assignment ? 'CONNECTING' : 'WAITING_FOR_PROXY';
  return s;
}
