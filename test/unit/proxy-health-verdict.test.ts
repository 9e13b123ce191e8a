import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chipsToMove, judgeHealthRun, type ProxyProbe } from '@chipgate/workflows/rules/proxy-health-verdict';

const ok = (proxyId: string): ProxyProbe => ({ proxyId, ok: true, latencyMs: 120, exitIp: '127.0.1.5' });
const failed = (proxyId: string, blame: 'proxy' | 'target'): ProxyProbe => ({ proxyId, ok: false, blame, message: 'x' });

describe('judging a health run by evidence about each proxy', () => {
  it('an echo that answers nobody is an outage of the echo: no proxy loses score', () => {
    const verdict = judgeHealthRun(false, [failed('a', 'target'), failed('b', 'target')]);
    assert.equal(verdict.echoOutage, true);
    assert.equal(verdict.samples.size, 0);
  });

  it('a proxy that refused the connection or the credentials is at fault even during an echo outage', () => {
    const verdict = judgeHealthRun(false, [failed('a', 'proxy'), failed('b', 'target')]);
    assert.equal(verdict.echoOutage, true);
    assert.deepEqual([...verdict.samples], [['a', { ok: false }]]);
  });

  it('when the echo answered directly or through another proxy, a proxy that could not reach it fails', () => {
    assert.deepEqual([...judgeHealthRun(true, [failed('a', 'target')]).samples], [['a', { ok: false }]]);
    const throughAnother = judgeHealthRun(false, [failed('a', 'target'), ok('b')]);
    assert.equal(throughAnother.echoOutage, false);
    assert.deepEqual(throughAnother.samples.get('a'), { ok: false });
    assert.deepEqual(throughAnother.samples.get('b'), { ok: true, latencyMs: 120 });
  });
});

describe('choosing which chips of an unhealthy proxy move', () => {
  const chips = [
    { chipId: 'open', status: 'OPEN' },
    { chipId: 'qr', status: 'QR' },
    { chipId: 'closed', status: 'CLOSED' },
    { chipId: 'connecting', status: 'CONNECTING' },
    { chipId: 'waiting', status: 'WAITING_FOR_PROXY' },
    { chipId: 'paused', status: 'PAUSED' },
    { chipId: 'pending', status: 'PENDING' },
  ];

  it('moves nobody when no healthy alternative exists', () => {
    assert.deepEqual(chipsToMove(chips, false, 50), []);
  });

  it('moves no chip whose own connection is up or that is paused, and keeps to the budget', () => {
    assert.deepEqual(chipsToMove(chips, true, 50), ['closed', 'connecting', 'waiting', 'pending']);
    assert.deepEqual(chipsToMove(chips, true, 2), ['closed', 'connecting']);
    assert.deepEqual(chipsToMove(chips, true, 0), []);
  });
});
