import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { chipWorkflowId } from '@chipgate/workflows/chip/contract';
import { ChipCommandRefusedError, UnknownChipError } from '@chipgate/workflows/client/chip-client';
import { addMoney, usageCost } from '@chipgate/workflows/rules/money';
import { startChipWorld, type ChipWorld } from '../support/chip-world';
import { historyText, recordHistories, tickCosts } from '../support/history';
import { startWhatsAppStandIn, type WhatsAppStandIn } from '../standins/whatsapp';
import { appRouter } from '../../web/src/server/routers/_app';
import { createCallerFactory } from '../../web/src/server/trpc';

describe('chip lifecycle on Temporal: sticky proxy, metering, cost, release', () => {
  let world: ChipWorld;
  let whatsapp: WhatsAppStandIn;
  before(async () => {
    // Holds each Baileys socket open after its handshake frame, like WhatsApp does while it answers.
    whatsapp = await startWhatsAppStandIn({ fault: { kind: 'silent', sendBytes: 2048 } });
    world = await startChipWorld({ meterIntervalSeconds: 1, metersPerRun: 4, waWebSocketUrl: whatsapp.url });
  });
  const platformBytes = () => world.platformBytes();
  after(async () => {
    await world.close();
    await whatsapp.close();
  });

  it('connects real Baileys through the gateway and the provider with each chip\u2019s own sticky session and exit IP', async () => {
    const user = await world.createUser('ENTERPRISE');
    const a = await world.startChip(user.id, 'a');
    const b = await world.startChip(user.id, 'b');
    const stateA = await world.waitForState(a, (s) => s.exitIp !== null && s.workerQueue !== null, 'chip a connected');
    const stateB = await world.waitForState(b, (s) => s.exitIp !== null && s.workerQueue !== null, 'chip b connected');
    assert.match(stateA.exitIp!, /^127\.0\.1\.\d+$/);
    assert.notEqual(stateA.exitIp, stateB.exitIp);
    assert.notEqual(stateA.sessionId, stateB.sessionId);
    for (let i = 0; i < 3; i++) {
      const echoed = JSON.parse((await world.throughChip(a, '/json')).body.toString()) as { ip: string };
      assert.equal(echoed.ip, stateA.exitIp, 'every connection of chip a leaves from the same address');
    }
    const assignment = await world.db.chipProxyAssignment.findFirstOrThrow({ where: { chipId: a, releasedAt: null } });
    assert.equal(assignment.sessionId, stateA.sessionId);
    const chipRow = await world.db.chip.findUniqueOrThrow({ where: { id: a } });
    assert.equal(chipRow.exitIp, stateA.exitIp, 'the exit IP is recorded on the chip');
    const ipEvents = await world.db.chipEvent.count({ where: { chipId: a, type: 'exit_ip_changed' } });
    assert.equal(ipEvents, 1, 'the first exit IP is one recorded change');

    // Baileys' WebSocket reached the WhatsApp stand-in from each chip's own exit address...
    await waitUntil(() => whatsapp.connections.some((c) => c.remoteAddress === stateA.exitIp) && whatsapp.connections.some((c) => c.remoteAddress === stateB.exitIp), 'both chips\u2019 sockets at the WhatsApp stand-in');
    const fromA = whatsapp.connections.find((c) => c.remoteAddress === stateA.exitIp)!;
    assert.equal(fromA.path, '/ws/chat');
    assert.ok(fromA.bytesReceived > 0, 'Baileys sent its handshake through the proxy');
    // ...through the provider with the chip's sticky-session username.
    const usernames = world.provider.standIn.acceptedUsernames();
    assert.ok(usernames.includes(`${world.provider.username}-session-${stateA.sessionId}`), `provider saw ${usernames.join(', ')}`);
    assert.ok(usernames.includes(`${world.provider.username}-session-${stateB.sessionId}`));
    await world.chips.release(a, 'test done');
    await world.chips.release(b, 'test done');
  });

  it('connects a new chip as soon as its proxy is assigned, not at its first meter', async () => {
    const user = await world.createUser('ENTERPRISE');
    const chip = await world.db.chip.create({ data: { ownerId: user.id, label: 'hourly', region: 'br' } });
    // An hour between meters: before, the chip sat assigned and unconnected until the first one.
    await world.chips.start({ chipId: chip.id, userId: user.id, settings: { meterIntervalSeconds: 3600, metersPerRun: 100, proxyRetrySeconds: 1 } });
    const state = await world.waitForState(chip.id, (s) => s.workerQueue !== null, 'the chip connected');
    assert.notEqual(state.assignmentId, null, 'it holds its proxy');
    await world.chips.release(chip.id, 'test done');
  });

  it('meters known payloads to the byte, sent and received apart, and prices them with the provider cost', async () => {
    const user = await world.createUser('ENTERPRISE');
    // Only this chip is live from here on, so everything the provider carries from now is its traffic.
    const providerBefore = world.provider.standIn.accountBytes();
    const platformBefore = await platformBytes();
    const chipId = await world.startChip(user.id, 'meter');
    await world.waitForState(chipId, (s) => s.workerQueue !== null, 'connected');

    const download = await world.throughChip(chipId, '/bytes/1000000');
    assert.equal(download.body.length, 1_000_000);
    const upload = await world.throughChip(chipId, '/sink', { method: 'POST', body: Buffer.alloc(300_000, 7) });
    assert.equal(JSON.parse(upload.body.toString()).received, 300_000);

    const released = await world.chips.release(chipId, 'measured');
    assert.equal(released.status, 'RELEASED');
    const providerAfter = world.provider.standIn.accountBytes();
    const platformAfter = await platformBytes();
    const logs = await world.db.proxyUsageLog.findMany({ where: { chipId } });
    const sent = logs.reduce((sum, l) => sum + l.bytesSent, 0n);
    const received = logs.reduce((sum, l) => sum + l.bytesReceived, 0n);
    // Payload plus HTTP headers and the chip's WebSocket attempts; its exit-IP probe is the platform's.
    assert.ok(received >= 1_000_000n && received < 1_000_000n + 20_000n, `received ${received}`);
    assert.ok(sent >= 300_000n && sent < 300_000n + 20_000n, `sent ${sent}`);
    const probeSent = platformAfter.sent - platformBefore.sent;
    const probeReceived = platformAfter.received - platformBefore.received;
    assert.ok(probeSent > 0n && probeReceived > 0n, `the exit-IP probe went through the provider and is platform traffic (${probeSent} + ${probeReceived} B)`);
    assert.equal(sent + probeSent, providerAfter.sent - providerBefore.sent, 'billed and platform sent bytes together equal what the provider carried');
    assert.equal(received + probeReceived, providerAfter.received - providerBefore.received, 'billed and platform received bytes together equal what the provider carried');

    for (const log of logs) {
      assert.equal(log.bytesTotal, log.bytesSent + log.bytesReceived);
      assert.equal(log.cost.toFixed(8), usageCost(log.bytesTotal, '4.5'), 'cost = bytes / 1024\u00b3 \u00d7 cost per GB');
    }
    const roll = await world.db.userProxyCost.findFirstOrThrow({ where: { userId: user.id } });
    assert.equal(roll.bytesTotal, sent + received, 'the monthly roll-up equals the usage rows');
    const [costs] = await world.db.userMonthlyCost.findMany({ where: { userId: user.id } });
    assert.equal(costs?.cost.toFixed(8), logs.map((l) => l.cost.toFixed(8)).reduce((a, b) => addMoney(a, b), '0'), 'the cost roll-up equals the usage rows');
  });

  it('bills no customer for the exit-IP probe: admins see its bytes and cost as platform traffic on the usage report', async (t) => {
    const user = await world.createUser('ENTERPRISE');
    const providerBefore = world.provider.standIn.accountBytes();
    const platformBefore = await platformBytes();
    const chipId = await world.startChip(user.id, 'probe');
    await world.waitForState(chipId, (s) => s.exitIp !== null, 'the exit IP probed');
    await world.chips.release(chipId, 'probed');
    const carried = world.provider.standIn.accountBytes().received - providerBefore.received;
    const probe = (await platformBytes()).received - platformBefore.received;
    assert.ok(probe > 0n && probe <= carried, `the provider carried the probe (${probe} of ${carried} B received)`);
    t.diagnostic(`one exit-IP probe: ${(await platformBytes()).sent - platformBefore.sent} B sent, ${probe} B received at the provider`);
    const billed = await world.db.proxyUsageLog.aggregate({ where: { userId: user.id }, _sum: { bytesReceived: true } });
    assert.equal((billed._sum.bytesReceived ?? 0n) + probe, carried, 'the owner is billed for everything the provider carried except the probe');

    const admin = await world.db.user.create({ data: { email: `${chipId}@admin.test`, name: 'Admin', passwordHash: 'unused', role: 'ADMIN', planId: user.planId } });
    const asAdmin = createCallerFactory(appRouter)({ db: world.db, user: { id: admin.id, email: admin.email, name: admin.name, role: 'ADMIN' }, temporal: () => Promise.reject(new Error('not used')) });
    const report = await asAdmin.admin.usage.report({});
    const stored = await world.db.platformTraffic.findFirstOrThrow({ where: { providerId: world.providerId } });
    assert.deepEqual(
      report.platform.map((p) => ({ id: p.id, bytes: p.bytes, cost: p.cost.amount })),
      [{ id: world.providerId, bytes: stored.bytesTotal, cost: stored.cost.toFixed() }],
      'the report shows the provider\u2019s platform bytes and what they cost',
    );
    assert.ok(stored.cost.greaterThan(0), 'priced at the provider\u2019s cost per GB');
    const usageRows = await world.db.proxyUsageLog.aggregate({ _sum: { bytesTotal: true } });
    assert.equal(report.totals.bytes, usageRows._sum.bytesTotal ?? 0n, 'customers\u2019 totals hold no platform bytes');
    await assert.rejects(createCallerFactory(appRouter)({ db: world.db, user: { id: user.id, email: user.email, name: user.name, role: 'USER' }, temporal: () => Promise.reject(new Error('not used')) }).admin.usage.report({}), /FORBIDDEN|admin/i);
  });

  it('continues as new on a bound, keeping its session and totals, so history stays small', async () => {
    const user = await world.createUser('ENTERPRISE');
    const chipId = await world.startChip(user.id, 'long-lived');
    const first = await world.waitForState(chipId, (s) => s.workerQueue !== null, 'connected');
    const handle = world.temporal.workflow.getHandle(chipWorkflowId(chipId));
    const firstRun = (await handle.describe()).runId;
    await world.throughChip(chipId, '/bytes/50000');
    await world.waitForState(chipId, () => true, 'any');
    const deadline = Date.now() + 60_000;
    const runs = new Set([firstRun]);
    while (runs.size < 3 && Date.now() < deadline) {
      runs.add((await handle.describe()).runId);
      await new Promise((r) => setTimeout(r, 300));
    }
    assert.ok(runs.size >= 3, `expected at least two continue-as-new, saw ${runs.size} runs`);
    const latest = await world.chips.state(chipId);
    assert.equal(latest.sessionId, first.sessionId, 'the sticky session survives continue-as-new');
    assert.ok(BigInt(latest.bytesThisMonth) >= 50_000n, 'month totals are carried over');
    const events = (await world.temporal.workflow.getHandle(chipWorkflowId(chipId), firstRun).fetchHistory()).events ?? [];
    assert.ok(events.length < 200, `a run's history stays bounded (${events.length} events)`);
    await world.chips.release(chipId, 'done');
    await recordHistories(world.temporal, chipWorkflowId(chipId), 'chip/continue-as-new-and-release');
  });

  it('a steady meter tick costs at most 2 Temporal actions and 10 history events', async () => {
    const user = await world.createUser('ENTERPRISE');
    const chipId = await world.startChip(user.id, 'tick-cost');
    await world.waitForState(chipId, (s) => s.workerQueue !== null && s.exitIp !== null, 'connected');
    const handle = world.temporal.workflow.getHandle(chipWorkflowId(chipId));
    // A whole run of steady ticks (metersPerRun is 4 here), with traffic in some of them.
    const firstRun = (await handle.describe()).runId;
    await world.throughChip(chipId, '/bytes/20000');
    await waitUntilAsync(async () => (await handle.describe()).runId !== firstRun, 'the first run to continue as new');
    const steadyRun = (await handle.describe()).runId;
    await waitUntilAsync(async () => (await handle.describe()).runId !== steadyRun, 'a steady run to complete');
    const events = (await world.temporal.workflow.getHandle(chipWorkflowId(chipId), steadyRun).fetchHistory()).events ?? [];
    const ticks = tickCosts(events);
    assert.ok(ticks.length >= 2, `steady ticks in the run: ${ticks.length}`);
    for (const tick of ticks) {
      assert.ok(tick.actions <= 2, `a tick billed ${tick.actions} actions: ${tick.types.join(', ')}`);
      assert.ok(tick.events <= 10, `a tick wrote ${tick.events} events: ${tick.types.join(', ')}`);
    }
    console.log(`steady tick: ${ticks.map((t) => `${t.events} events / ${t.actions} actions`).join('; ')} — ${ticks[0]!.types.join(', ')}`);
    await world.chips.release(chipId, 'done');
  });

  it('releases cleanly, and releasing twice is harmless', async () => {
    const user = await world.createUser('BUSINESS');
    const chipId = await world.startChip(user.id, 'release');
    await world.waitForState(chipId, (s) => s.workerQueue !== null, 'connected');
    const first = await world.chips.release(chipId, 'deleted by user');
    assert.equal(first.status, 'RELEASED');
    assert.equal(first.proxyId, null);
    const again = await world.chips.release(chipId, 'deleted again');
    assert.equal(again.status, 'RELEASED');
    const live = await world.db.chipProxyAssignment.count({ where: { chipId, releasedAt: null } });
    assert.equal(live, 0);
    const row = await world.db.chip.findUniqueOrThrow({ where: { id: chipId } });
    assert.equal(row.status, 'RELEASED');
    assert.equal(world.worker.connections.has(chipId), false, 'the socket and gateway registration are gone');
  });

  it('refuses bad input with clear errors: unknown chip, malformed payloads, commands to a released chip', async () => {
    await assert.rejects(world.chips.state('00000000-0000-4000-8000-000000000000'), UnknownChipError);
    await assert.rejects(world.chips.pause('00000000-0000-4000-8000-000000000000', 'x'), /has no running workflow/);

    const user = await world.createUser('BUSINESS');
    const chipId = await world.startChip(user.id, 'bad-input');
    await world.waitForState(chipId, (s) => s.workerQueue !== null, 'connected');
    const handle = world.temporal.workflow.getHandle(chipWorkflowId(chipId));
    const refusedWith = (pattern: RegExp) => (err: Error) => {
      assert.match(causeChain(err), pattern);
      return true;
    };
    await assert.rejects(handle.executeUpdate('pauseChip', { args: [{ reason: 42 }] }), refusedWith(/reason: must be a string/));
    await assert.rejects(handle.executeUpdate('pauseChip', { args: ['not an object'] }), refusedWith(/payload must be an object/));
    await assert.rejects(world.chips.reassignProxy(chipId, '   '), (err: Error) => err instanceof ChipCommandRefusedError && /reason: must not be empty/.test(err.message));
    assert.equal((await world.chips.state(chipId)).paused, false, 'a refused command changes nothing');
    await world.chips.release(chipId, 'done');
    await assert.rejects(world.chips.pause(chipId, 'too late'), /released/);

    const ghost = '11111111-1111-4111-8111-111111111111';
    await world.chips.start({ chipId: ghost, userId: user.id });
    await assert.rejects(world.temporal.workflow.getHandle(chipWorkflowId(ghost)).result(), (err: Error) => {
      assert.match(causeChain(err), /chip 11111111-1111-4111-8111-111111111111 does not exist/);
      return true;
    });
  });

  it('never puts the provider password or API key into any workflow history', async () => {
    const secrets = [world.provider.password, world.provider.apiKey];
    const listing = world.temporal.workflow.list({ query: `TaskQueue = "${world.taskQueue}"` });
    let checked = 0;
    for await (const execution of listing) {
      const text = await historyText(world.temporal.workflow.getHandle(execution.workflowId, execution.runId));
      for (const secret of secrets) assert.ok(!text.includes(secret), `history of ${execution.workflowId} leaks a provider secret`);
      checked++;
    }
    assert.ok(checked >= 5, `checked ${checked} histories`);
  });
});

function causeChain(err: unknown): string {
  const messages: string[] = [];
  for (let e = err as { message?: string; cause?: unknown } | undefined; e; e = e.cause as typeof e) messages.push(e.message ?? '');
  return messages.join(' <- ');
}

async function waitUntilAsync(check: () => Promise<boolean>, what: string, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function waitUntil(check: () => boolean, what: string, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
