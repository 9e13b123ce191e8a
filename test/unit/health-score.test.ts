import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nextHealthScore, sampleScore } from '@chipgate/workflows/rules/health-score';
import { isProxyUnhealthy, pickProxy } from '@chipgate/workflows/rules/proxy-selection';

describe('proxy health score', () => {
  it('scores a fast success 100, a slow one lower, a failure 0', () => {
    assert.equal(sampleScore({ ok: true, latencyMs: 120 }), 100);
    assert.equal(sampleScore({ ok: true, latencyMs: 2000 }), 65);
    assert.equal(sampleScore({ ok: true, latencyMs: 9000 }), 40);
    assert.equal(sampleScore({ ok: false }), 0);
  });

  it('takes a healthy proxy below the usable line after two failures in a row, not after one', () => {
    const once = nextHealthScore(100, { ok: false });
    assert.equal(once, 50);
    assert.equal(isProxyUnhealthy(once), false);
    const twice = nextHealthScore(once, { ok: false });
    assert.equal(isProxyUnhealthy(twice), true);
  });

  it('recovers a failed proxy after successes', () => {
    let score = 0;
    for (let i = 0; i < 3; i++) score = nextHealthScore(score, { ok: true, latencyMs: 100 });
    assert.equal(isProxyUnhealthy(score), false);
  });
});

describe('proxy selection', () => {
  const candidates = [
    { id: 'b', healthScore: 90, liveChips: 3 },
    { id: 'a', healthScore: 90, liveChips: 1 },
    { id: 'c', healthScore: 100, liveChips: 9 },
    { id: 'd', healthScore: 20, liveChips: 0 },
  ];

  it('picks the healthiest proxy, then the least loaded', () => {
    assert.equal(pickProxy(candidates)?.id, 'c');
    assert.equal(pickProxy(candidates.filter((c) => c.id !== 'c'))?.id, 'a');
  });

  it('never picks an unhealthy proxy, and avoids the one a chip is leaving', () => {
    assert.equal(pickProxy([{ id: 'd', healthScore: 20, liveChips: 0 }]), undefined);
    assert.equal(pickProxy(candidates, 'c')?.id, 'a');
  });
});
