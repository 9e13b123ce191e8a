import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { leaseGrant } from '@chipgate/workflows/rules/quota-budget';
import { UserBudgets, type QuotaLessor } from '@chipgate/worker/gateway/user-budgets';

const KIB = 1024n;

/** A lessor over one in-memory allowance, as the database's would answer one gateway. */
function lessorOf(allowance: bigint) {
  const state = { allowance, committed: 0n, calls: 0 };
  const lessor: QuotaLessor = {
    lease({ wantMore }) {
      state.calls++;
      const granted = wantMore ? leaseGrant(state.allowance, state.committed) : 0n;
      state.committed += granted;
      return Promise.resolve({ grantedBytes: granted, exhausted: state.committed >= state.allowance });
    },
  };
  return { state, lessor };
}

function enforcement() {
  const log: string[] = [];
  return { log, hold: (u: string) => log.push(`hold ${u}`), release: (u: string) => log.push(`release ${u}`), cut: (u: string) => log.push(`cut ${u}`) };
}

/** One gateway's budgets over an in-memory allowance, on a clock the test moves. */
function budgetsOver(allowance: bigint, retryMs: number, clock: { now: number }) {
  const { state, lessor } = lessorOf(allowance);
  const gate = enforcement();
  return { state, gate, budgets: new UserBudgets(lessor, gate, { retryMs, now: () => clock.now }) };
}

type LeaseAnswer = { grantedBytes: bigint; exhausted: boolean };

/** A lessor whose answers the test gives by hand, in order; it also keeps what each ask wanted. */
function answeredByHand() {
  const answers: Array<(value: LeaseAnswer) => void> = [];
  const wanted: Array<bigint | undefined> = [];
  const lessor: QuotaLessor = {
    lease: (request) => {
      wanted.push(request.wantedBytes);
      return new Promise((resolve) => answers.push(resolve));
    },
  };
  return { answers, wanted, lessor };
}

describe('UserBudgets', () => {
  it('admits a user with budget, cuts it once its last lease is spent, and refuses until asked again after the retry interval', async () => {
    const clock = { now: Date.parse('2026-12-02T10:00:00Z') };
    const { state, gate, budgets } = budgetsOver(128n * KIB, 1000, clock);
    assert.equal(await budgets.admit('u', 'c'), true);
    budgets.charge('u', 'c', 60n * KIB);
    await new Promise((r) => setImmediate(r));
    budgets.charge('u', 'c', 68n * KIB);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(gate.log, ['cut u'], 'cut at exactly 100%');
    assert.equal(await budgets.admit('u', 'c'), false);
    const asked = state.calls;
    assert.equal(await budgets.admit('u', 'c'), false);
    assert.equal(state.calls, asked, 'within the retry interval nobody asks the database again');
    state.allowance += 64n * KIB;
    clock.now += 1000;
    assert.equal(await budgets.admit('u', 'c'), true, 'a raised allowance is seen on the next try');
  });

  it('asks again at once after a resume, without waiting out the refusal', async () => {
    const { state, gate, budgets } = budgetsOver(64n * KIB, 60_000, { now: Date.parse('2026-12-02T10:00:00Z') });
    assert.equal(await budgets.admit('u', 'c'), true);
    budgets.charge('u', 'c', 64n * KIB);
    assert.deepEqual(gate.log, ['cut u']);
    assert.equal(await budgets.admit('u', 'c'), false, 'refused at 100%');
    state.allowance += 64n * KIB;
    assert.equal(await budgets.admit('u', 'c'), false, 'the raise alone waits for the retry interval');
    budgets.reconsider('u');
    assert.equal(await budgets.admit('u', 'c'), true, 'a resumed chip is admitted on its first try');
  });

  it('holds the user’s tunnels while a lease is asked for with the current one spent, and releases them when granted', async () => {
    const { answers, lessor } = answeredByHand();
    const gate = enforcement();
    const budgets = new UserBudgets(lessor, gate);
    const admitted = budgets.admit('u', 'c');
    answers.shift()!({ grantedBytes: 100n, exhausted: false });
    assert.equal(await admitted, true);
    budgets.charge('u', 'c', 60n);
    budgets.charge('u', 'c', 60n);
    assert.deepEqual(gate.log, ['hold u']);
    answers.shift()!({ grantedBytes: 100n, exhausted: false });
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(gate.log, ['hold u', 'release u']);
  });

  it('asks ahead by what arrived during its last ask, and for twice that, so a steady download is not held; at the end cuts at the last leased byte', async () => {
    const { answers, wanted, lessor } = answeredByHand();
    const gate = enforcement();
    const budgets = new UserBudgets(lessor, gate);
    const admitted = budgets.admit('u', 'c');
    answers.shift()!({ grantedBytes: 100n, exhausted: false });
    assert.equal(await admitted, true);
    budgets.charge('u', 'c', 51n);
    assert.equal(answers.length, 1, 'first ask at half the grant');
    budgets.charge('u', 'c', 40n);
    answers.shift()!({ grantedBytes: 100n, exhausted: false });
    await new Promise((r) => setImmediate(r));
    budgets.charge('u', 'c', 30n);
    assert.equal(answers.length, 0, '79 left: not below the 40 that arrived while asking, and half again');
    budgets.charge('u', 'c', 20n);
    assert.equal(answers.length, 1, '59 left, below 60: the next lease is asked for');
    assert.deepEqual(wanted, [0n, 0n, 80n], 'wanting twice the 40 that arrived during the last ask');
    budgets.charge('u', 'c', 40n);
    answers.shift()!({ grantedBytes: 0n, exhausted: true });
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(gate.log, [], 'told "nothing left" while it still had bytes: never held');
    budgets.charge('u', 'c', 10n);
    assert.equal(answers.length, 0, 'not asked again after "nothing left": the tunnels would be held instead of cut');
    budgets.charge('u', 'c', 9n);
    assert.deepEqual(gate.log, ['cut u'], 'cut at the last leased byte');
  });

  it('asks again, still holding, when more arrived while asking than the grant covers', async () => {
    const { answers, lessor } = answeredByHand();
    const gate = enforcement();
    const budgets = new UserBudgets(lessor, gate);
    const admitted = budgets.admit('u', 'c');
    answers.shift()!({ grantedBytes: 100n, exhausted: false });
    assert.equal(await admitted, true);
    budgets.charge('u', 'c', 60n);
    budgets.charge('u', 'c', 200n);
    answers.shift()!({ grantedBytes: 100n, exhausted: false });
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(gate.log, ['hold u'], 'not cut: the budget is not used up');
    assert.equal(answers.length, 1, 'asked again');
    answers.shift()!({ grantedBytes: 100n, exhausted: false });
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(gate.log, ['hold u', 'release u']);
  });
});
