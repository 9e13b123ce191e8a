import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ByteLedger } from '@chipgate/worker/gateway/byte-ledger';

describe('ByteLedger', () => {
  it('adds only what a connection moved since its previous reading', () => {
    const ledger = new ByteLedger();
    ledger.open(1);
    ledger.observe(1, { sent: 100, received: 1_000 });
    ledger.observe(1, { sent: 100, received: 1_000 });
    ledger.observe(1, { sent: 250, received: 4_000 });
    assert.deepEqual(ledger.totals(), { sent: 250n, received: 4_000n });
  });

  it('counts a connection read live and then closed exactly once', () => {
    const ledger = new ByteLedger();
    ledger.open(7);
    ledger.observe(7, { sent: 500, received: 900 });
    ledger.close(7, { sent: 520, received: 950 });
    assert.deepEqual(ledger.totals(), { sent: 520n, received: 950n });
    assert.deepEqual(ledger.connectionIds(), []);
    // A late reading of a closed connection (or a reused id never opened) adds nothing.
    ledger.observe(7, { sent: 10_000, received: 10_000 });
    assert.deepEqual(ledger.totals(), { sent: 520n, received: 950n });
  });

  it('sums connections and keeps closed ones', () => {
    const ledger = new ByteLedger();
    ledger.open(1);
    ledger.open(2);
    ledger.close(1, { sent: 10, received: 20 });
    ledger.observe(2, { sent: 1, received: 2 });
    assert.deepEqual(ledger.totals(), { sent: 11n, received: 22n });
    assert.deepEqual(ledger.connectionIds(), [2]);
  });

  it('does not reset a connection opened again (a second request on a keep-alive connection)', () => {
    const ledger = new ByteLedger();
    ledger.open(3);
    ledger.observe(3, { sent: 40, received: 60 });
    ledger.open(3);
    ledger.observe(3, { sent: 40, received: 60 });
    assert.deepEqual(ledger.totals(), { sent: 40n, received: 60n });
  });

  it('ignores readings that are missing, not byte counts, or lower than already counted', () => {
    const ledger = new ByteLedger();
    ledger.open(1);
    ledger.observe(1, { sent: null, received: null });
    ledger.observe(1, { sent: 300, received: 300 });
    ledger.observe(1, { sent: Number.NaN, received: -1 });
    ledger.observe(1, { sent: 200, received: 100 });
    assert.deepEqual(ledger.totals(), { sent: 300n, received: 300n });
    ledger.close(1, undefined);
    assert.deepEqual(ledger.totals(), { sent: 300n, received: 300n });
  });
});
