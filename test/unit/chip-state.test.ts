import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chipIdOfWorkflow, chipWorkflowId, resolveChipSettings, type ChipWorkflowSettings } from '@chipgate/workflows/chip/contract';
import {
  alertDelivered,
  assigned,
  carriedState,
  connectionGone,
  exitIpCheckDue,
  exitIpProbeFailed,
  exitIpSeen,
  initialState,
  judged,
  metered,
  nextMeterAt,
  nextStep,
  pauseReason,
  snapshot,
  wantsToRun,
  type ChipRunState,
  type Standing,
} from '@chipgate/workflows/chip/state';

const T0 = '2026-12-01T10:00:00.000Z';
const settings: ChipWorkflowSettings = { meterIntervalSeconds: 300, metersPerRun: 100, proxyRetrySeconds: 30, exitIpCheckSeconds: 3600 };
const assignment = { assignmentId: 'a1', proxyId: 'p1', sessionId: 's1' };

function connected(): ChipRunState {
  const s = initialState(T0);
  assigned(s, assignment);
  s.workerQueue = 'worker-1';
  s.status = 'CONNECTED';
  return s;
}

const standing = (over: Partial<Standing> = {}): Standing => ({ month: '2026-12-01', usedBytes: '0', allowanceBytes: '1000', overQuota: false, thresholdsReached: [], ...over });

describe('chip state: the next step', () => {
  it('assigns a proxy first, then connects, then settles as connected', () => {
    const s = initialState(T0);
    assert.deepEqual(nextStep(s), { kind: 'move', reason: 'initial', onlyOther: false });
    assigned(s, assignment);
    assert.deepEqual(nextStep(s), { kind: 'connect' });
    s.workerQueue = 'worker-1';
    assert.deepEqual(nextStep(s), { kind: 'settle', status: 'CONNECTED' });
  });

  it('pauses the socket when an operator or the quota pauses the chip, and resumes it after', () => {
    const s = connected();
    s.operatorPause = 'fraud check';
    assert.deepEqual(nextStep(s), { kind: 'pause-connection', reason: 'fraud check' });
    s.connectionPaused = true;
    assert.deepEqual(nextStep(s), { kind: 'settle', status: 'PAUSED' });
    s.operatorPause = null;
    s.quotaPaused = true;
    assert.equal(pauseReason(s), 'monthly quota reached');
    assert.deepEqual(nextStep(s), { kind: 'settle', status: 'PAUSED' });
    s.quotaPaused = false;
    assert.deepEqual(nextStep(s), { kind: 'resume-connection' });
  });

  it('a pause remembered while the worker was gone is applied where the chip lands next: it does not connect', () => {
    const s = connected();
    s.operatorPause = 'hold';
    connectionGone(s, 'worker died');
    assert.equal(s.lastError, 'worker died');
    assert.deepEqual(nextStep(s), { kind: 'settle', status: 'PAUSED' });
    s.operatorPause = null;
    assert.deepEqual(nextStep(s), { kind: 'connect' });
  });

  it('a pending reassign moves the chip off its proxy; an unproxied proxy must be left for another', () => {
    const s = connected();
    s.pendingReassign = 'operator asked';
    assert.deepEqual(nextStep(s), { kind: 'move', reason: 'operator asked', avoidProxyId: 'p1', onlyOther: false });
    s.pendingReassignOnlyOther = true;
    assert.equal((nextStep(s) as { onlyOther: boolean }).onlyOther, true, 'a health move never re-rolls a session on the same proxy');
    s.unproxiedProxyId = 'p1';
    assert.deepEqual(nextStep(s), { kind: 'move', reason: 'the previous proxy did not proxy', avoidProxyId: 'p1', onlyOther: true });
    assigned(s, { assignmentId: 'a2', proxyId: 'p2', sessionId: 's2' });
    assert.equal(s.pendingReassign, null);
    assert.equal(s.pendingReassignOnlyOther, undefined);
    assert.equal(s.unproxiedProxyId, null);
    assert.equal(s.exitIp, null, 'a new session has a new exit IP, to be probed');
  });
});

describe('chip state: metering and quota', () => {
  it('adds the period to the month and starts over in a new month', () => {
    const s = initialState(T0);
    metered(s, { bytesSent: '10', bytesReceived: '5', costs: [{ amount: '0.1', currency: 'BRL' }], month: '2026-12-01' }, '2026-12-01T10:05:00.000Z');
    metered(s, { bytesSent: '1', bytesReceived: '1', costs: [], month: '2026-12-01' }, '2026-12-01T10:10:00.000Z');
    assert.equal(s.bytesThisMonth, '17');
    metered(s, { bytesSent: '3', bytesReceived: '0', costs: [], month: '2027-01-01' }, '2027-01-01T00:00:00.000Z');
    assert.equal(s.bytesThisMonth, '3');
    assert.equal(s.lastMeterAt, '2027-01-01T00:00:00.000Z');
    assert.equal(nextMeterAt(s, settings), Date.parse('2027-01-01T00:05:00.000Z'));
  });

  it('counts in the new month only the part of a period split at the boundary', () => {
    const s = initialState(T0);
    metered(s, { bytesSent: '100', bytesReceived: '0', costs: [], month: '2026-12-01', monthChipBytes: '100' }, '2026-12-31T23:58:00.000Z');
    // 40 of the next period's 60 bytes moved before midnight: December's, not January's.
    metered(s, { bytesSent: '50', bytesReceived: '10', costs: [], month: '2027-01-01', monthChipBytes: '20' }, '2027-01-01T00:03:00.000Z');
    assert.equal(s.month, '2027-01-01');
    assert.equal(s.bytesThisMonth, '20');
    assert.deepEqual([s.lastPeriod?.bytesSent, s.lastPeriod?.bytesReceived], ['50', '10'], 'the period itself is all of its bytes');
  });

  it('owes each alert once, records it as sent only on delivery, and keeps owing it until then', () => {
    const s = initialState(T0);
    judged(s, standing({ usedBytes: '850', thresholdsReached: ['PERCENT_80'] }));
    judged(s, standing({ usedBytes: '900', thresholdsReached: ['PERCENT_80'] }));
    assert.deepEqual(s.alertsOwed.map((a) => a.key), ['2026-12-01:PERCENT_80:1000'], 'owed once, however many meters see it');
    assert.deepEqual(s.alertsSent, [], 'not sent before it is delivered');
    const carried = carriedState(JSON.parse(JSON.stringify(s)) as ChipRunState);
    assert.deepEqual(carried.alertsOwed, s.alertsOwed, 'what is owed crosses continue-as-new');
    alertDelivered(s, '2026-12-01:PERCENT_80:1000');
    assert.deepEqual(s.alertsOwed, []);
    assert.deepEqual(s.alertsSent, ['2026-12-01:PERCENT_80:1000']);
    judged(s, standing({ usedBytes: '950', thresholdsReached: ['PERCENT_80'] }));
    assert.deepEqual(s.alertsOwed, [], 'a delivered alert is not owed again');
    judged(s, standing({ month: '2027-01-01', thresholdsReached: [] }));
    assert.deepEqual(s.alertsSent, [], 'a new month forgets last month’s alerts');
  });

  it('owes the alerts again when the allowance rises, once per level of the new allowance', () => {
    const s = initialState(T0);
    judged(s, standing({ usedBytes: '1000', allowanceBytes: '1000', thresholdsReached: ['PERCENT_80', 'PERCENT_100'] }));
    for (const alert of [...s.alertsOwed]) alertDelivered(s, alert.key);
    judged(s, standing({ usedBytes: '1000', allowanceBytes: '2000', thresholdsReached: [] }));
    assert.equal(s.alertsOwed.length, 0, 'a raise that leaves the user under 80% owes nothing');
    judged(s, standing({ usedBytes: '1700', allowanceBytes: '2000', thresholdsReached: ['PERCENT_80'] }));
    judged(s, standing({ usedBytes: '1800', allowanceBytes: '2000', thresholdsReached: ['PERCENT_80'] }));
    assert.deepEqual(s.alertsOwed.map((a) => [a.key, a.bytesAllowed]), [['2026-12-01:PERCENT_80:2000', '2000']], '80% of the new allowance, owed once');
  });

  it('takes an alert sent by an older build (no allowance in its key) as sent', () => {
    const s = initialState(T0);
    s.alertsSent = ['2026-12-01:PERCENT_80'];
    judged(s, standing({ usedBytes: '850', thresholdsReached: ['PERCENT_80'] }));
    assert.deepEqual(s.alertsOwed, []);
  });

  it('reports the crossing into over-quota once, and unpauses when the allowance rises', () => {
    const s = connected();
    assert.equal(judged(s, standing({ overQuota: true, thresholdsReached: ['PERCENT_80', 'PERCENT_100'] })).crossedIntoOverQuota, true);
    assert.equal(s.quotaPaused, true);
    assert.equal(judged(s, standing({ overQuota: true })).crossedIntoOverQuota, false, 'still over: no news');
    judged(s, standing({ overQuota: false }));
    assert.equal(s.quotaPaused, false);
  });

  it('keeps a disabled account\u2019s chip paused whatever the quota, and after enabling pauses it only if over quota', () => {
    const s = connected();
    judged(s, standing({ accountDisabled: true }));
    assert.equal(wantsToRun(s), false);
    assert.equal(pauseReason(s), 'account disabled');
    assert.equal(judged(s, standing({ accountDisabled: true, overQuota: true })).crossedIntoOverQuota, true, 'quota is still judged while disabled');
    judged(s, standing({ overQuota: true }));
    assert.equal(pauseReason(s), 'monthly quota reached');
    judged(s, standing({}));
    assert.equal(wantsToRun(s), true);
    assert.equal('accountDisabled' in s, false, 'an enabled chip carries no trace of it');
  });
});

describe('chip state: the exit-IP probe', () => {
  it('is due right after connecting, then at most every exitIpCheckSeconds, never while paused or unplaced', () => {
    const s = connected();
    const t = Date.parse(T0);
    assert.equal(exitIpCheckDue(s, settings, t), true);
    exitIpSeen(s, { exitIp: '127.0.1.5', proxied: true }, T0);
    assert.equal(exitIpCheckDue(s, settings, t + 3_599_000), false);
    assert.equal(exitIpCheckDue(s, settings, t + 3_600_000), true);
    s.connectionPaused = true;
    assert.equal(exitIpCheckDue(s, settings, t + 3_600_000), false);
    connectionGone(s);
    assert.equal(exitIpCheckDue(s, settings, t + 3_600_000), false);
  });

  it('a failed probe is tried again at the next meter, then at doubling intervals up to exitIpCheckSeconds; an answer ends that', () => {
    const s = connected();
    const t = Date.parse(T0);
    const at = (ms: number) => new Date(t + ms).toISOString();
    const meter = settings.meterIntervalSeconds * 1000;
    exitIpProbeFailed(s, at(0), 'IP echo service did not answer within 10000 ms');
    assert.match(s.lastError ?? '', /exit IP check failed: IP echo service did not answer/);
    assert.equal(exitIpCheckDue(s, settings, t + meter - 1), false);
    assert.equal(exitIpCheckDue(s, settings, t + meter), true, 'the first retry at the next meter');
    exitIpProbeFailed(s, at(meter), 'again');
    assert.equal(exitIpCheckDue(s, settings, t + meter + 2 * meter - 1), false);
    assert.equal(exitIpCheckDue(s, settings, t + meter + 2 * meter), true, 'then twice the meter interval');
    for (let i = 0; i < 20; i++) exitIpProbeFailed(s, at(0), 'an echo outage');
    assert.equal(exitIpCheckDue(s, settings, t + settings.exitIpCheckSeconds * 1000 - 1), false, 'never more seldom than exitIpCheckSeconds');
    assert.equal(exitIpCheckDue(s, settings, t + settings.exitIpCheckSeconds * 1000), true);
    exitIpSeen(s, { exitIp: '127.0.1.5', proxied: true }, at(0));
    assert.equal('exitIpFailures' in s, false, 'an answer clears the failures');
    assert.equal(exitIpCheckDue(s, settings, t + meter), false, 'and the hourly rhythm is back');
  });

  it('an unproxied exit marks the proxy to leave', () => {
    const s = connected();
    exitIpSeen(s, { exitIp: '10.0.0.1', proxied: false }, T0);
    assert.equal(s.unproxiedProxyId, 'p1');
    assert.match(s.lastError ?? '', /did not proxy/);
  });
});

describe('chip state: snapshot, carried state and settings', () => {
  it('the snapshot names the pause and the placement', () => {
    const s = connected();
    s.operatorPause = 'hold';
    const snap = snapshot('c1', 'u1', s);
    assert.equal(snap.paused, true);
    assert.equal(snap.pauseReason, 'hold');
    assert.equal(snap.sessionId, 's1');
    assert.equal(snap.workerQueue, 'worker-1');
  });

  it('a state carried by an older build gets the fields it lacks, as that build behaved', () => {
    const old = { ...connected() } as Partial<ChipRunState> & { lastMeterAt: string };
    delete old.status;
    delete old.alertsOwed;
    delete old.pendingReassign;
    const s = carriedState(old);
    assert.equal(s.status, 'CONNECTED');
    assert.deepEqual(s.alertsOwed, []);
    assert.equal(s.pendingReassign, null);
  });

  it('settings are resolved once with defaults, and a bad one is named', () => {
    assert.deepEqual(resolveChipSettings({ meterIntervalSeconds: 2 }), { meterIntervalSeconds: 2, metersPerRun: 100, proxyRetrySeconds: 30, exitIpCheckSeconds: 3600 });
    assert.throws(() => resolveChipSettings({ metersPerRun: 0 }), /settings\.metersPerRun: must be a whole number from 1/);
    assert.throws(() => resolveChipSettings({ meterIntervalSeconds: 1.5 }), /settings\.meterIntervalSeconds/);
  });

  it('a chip workflow id names its chip, and no other workflow id names one', () => {
    const chipId = '0b6c29d5-0190-4384-954e-06446707773b';
    assert.equal(chipIdOfWorkflow(chipWorkflowId(chipId)), chipId);
    assert.equal(chipIdOfWorkflow('chipgate-quota-month-rollover'), undefined);
    assert.equal(chipIdOfWorkflow(`topup-${chipId}`), undefined);
  });
});
