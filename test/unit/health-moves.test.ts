import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chipsToMove, probeVerdict } from '@chipgate/workflows/rules/health-moves';

describe('probeVerdict', () => {
  it('judges a proxy only by evidence about it: an unreachable echo says nothing about the proxy', () => {
    assert.equal(probeVerdict({ ok: true }, true), 'healthy');
    assert.equal(probeVerdict({ ok: false, reason: 'timeout' }, true), 'failed');
    assert.equal(probeVerdict({ ok: false, reason: 'timeout' }, false), 'echo_outage');
    assert.equal(probeVerdict({ ok: false, reason: 'unreachable' }, false), 'echo_outage');
    assert.equal(probeVerdict({ ok: false, reason: 'not_a_proxy' }, true), 'not_a_proxy');
  });
});

describe('chipsToMove', () => {
  const chips = [
    { chipId: 'b', connectionOpen: false },
    { chipId: 'a', connectionOpen: true },
    { chipId: 'c', connectionOpen: false },
  ];
  it('moves nobody without a healthy alternative, or on an echo outage', () => {
    assert.deepEqual(chipsToMove('failed', chips, 0), []);
    assert.deepEqual(chipsToMove('not_a_proxy', chips, 0), []);
    assert.deepEqual(chipsToMove('echo_outage', chips, 3), []);
    assert.deepEqual(chipsToMove('healthy', chips, 3), []);
  });
  it('leaves a chip whose own connection is open through the proxy, unless the proxy leaks the server’s IP', () => {
    assert.deepEqual(chipsToMove('failed', chips, 1), ['b', 'c']);
    assert.deepEqual(chipsToMove('not_a_proxy', chips, 1), ['a', 'b', 'c']);
  });
});
