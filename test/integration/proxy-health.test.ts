import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Server as ForwardingProxy } from 'proxy-chain';
import type { WorkflowHandle } from '@temporalio/client';
import { loadCredentialCipher } from '@chipgate/activities/secrets/credential-cipher';
import { saveProvider } from '@chipgate/activities/providers/provider-store';
import type { ProxyHealthResult } from '@chipgate/activities/providers/proxy-health';
import { MIN_PROXY_HEALTH } from '@chipgate/workflows/rules/proxy-selection';
import { freePort } from '../stack/ports';
import { startWhatsAppStandIn, type WhatsAppStandIn } from '../standins/whatsapp';
import { startChipWorld, type ChipWorld } from '../support/chip-world';
import { until } from '../support/until';

describe('periodic proxy health checks: score, last check, and moving chips off an unhealthy proxy', () => {
  let world: ChipWorld;
  let whatsapp: WhatsAppStandIn;
  let forwarder: ForwardingProxy | undefined;
  const cipher = loadCredentialCipher();
  before(async () => {
    whatsapp = await startWhatsAppStandIn();
    world = await startChipWorld({ meterIntervalSeconds: 2, whatsapp });
  });
  after(async () => {
    await forwarder?.close(true);
    await world?.close();
    await whatsapp?.close();
  });

  /** Starts a chip and has the stand-in's phone scan its QR: a chip whose own connection is up. */
  async function connectedChip(label: string): Promise<string> {
    const user = await world.createUser('BUSINESS');
    const chipId = await world.startChip(user.id, label);
    const qr = await until('a QR', async () => (await world.db.chip.findUniqueOrThrow({ where: { id: chipId } })).qrCode);
    await whatsapp.phone(`55119${Math.floor(Math.random() * 1e8).toString().padStart(8, '0')}`).scan(qr);
    await until('connected', async () => (await world.db.chip.findUniqueOrThrow({ where: { id: chipId } })).status === 'OPEN');
    return chipId;
  }

  /** A provider of region br with one rotating proxy, pointing wherever the test says. */
  async function addProxy(name: string, server: string, port: number, password: string): Promise<string> {
    const provider = await saveProvider(world.db, cipher, {
      name,
      type: 'RESIDENTIAL',
      region: 'br',
      server,
      port,
      protocol: 'HTTP',
      username: world.provider.username,
      password,
      costPerGb: '3',
    });
    return (await world.db.proxy.create({ data: { providerId: provider.id, kind: 'ROTATING', protocol: 'HTTP', region: 'br' } })).id;
  }

  const setActive = (proxyId: string, isActive: boolean) => world.db.proxy.update({ where: { id: proxyId }, data: { isActive } });

  /** Runs the scheduled workflow once, as its Schedule would, and reads each proxy's check back from its history. */
  async function runHealthCheck() {
    const handle = await world.temporal.workflow.start('proxyHealthCheckWorkflow', { taskQueue: world.taskQueue, workflowId: `proxy-health-${randomUUID()}`, args: [] });
    const result = (await handle.result()) as { checked: number; unhealthy: string[]; echoOutage: boolean; noAlternative: string[]; moved: number };
    return { ...result, checks: await healthResults(handle) };
  }

  it('gives a healthy proxy score 100, sets last_health_check and records the exit IP it saw', async () => {
    const startedAt = new Date();
    const run = await runHealthCheck();
    assert.equal(run.checked, 1, 'the one active proxy was checked');
    assert.deepEqual(run.unhealthy, []);
    const check = run.checks.get(world.proxyId);
    assert.deepEqual(check && { healthScore: check.healthScore, unhealthy: check.unhealthy, failure: check.failure }, { healthScore: 100, unhealthy: false, failure: null });
    const proxy = await world.db.proxy.findUniqueOrThrow({ where: { id: world.proxyId } });
    assert.equal(proxy.healthScore, 100);
    assert.ok(proxy.lastHealthCheck && proxy.lastHealthCheck >= startedAt, `last_health_check is set by this run (${proxy.lastHealthCheck?.toISOString()})`);
    assert.match(proxy.lastExitIp ?? '', /^127\.0\.1\.\d+$/, "the stand-in's exit address, not this server's own");
  });

  it('takes a proxy that fails twice below the usable line and moves its chips to a healthy proxy of the region', async () => {
    // The good proxy sits out while the chip is placed, so the chip lands on the dead one.
    await setActive(world.proxyId, false);
    const dead = await addProxy('Dead BR', '127.0.0.1', await freePort(), world.provider.password);
    const user = await world.createUser('BUSINESS');
    const chipId = await world.startChip(user.id, 'on-a-dead-proxy');
    const placed = await world.waitForState(chipId, (s) => s.proxyId === dead && s.sessionId !== null, 'placed on the dead proxy');
    const refused = await addProxy('Wrong password BR', world.provider.standIn.proxyHost, world.provider.standIn.proxyPort, 'not-the-password');
    await setActive(world.proxyId, true);

    const first = await runHealthCheck();
    assert.equal(first.checked, 3);
    assert.equal(first.checks.get(world.proxyId)?.healthScore, 100);
    assert.equal(first.checks.get(dead)?.healthScore, 50, 'one failure halves the score');
    assert.match(first.checks.get(dead)?.failure ?? '', /^Provider "Dead BR" refused the connection \(nothing listening\?\) at 127\.0\.0\.1:\d+$/);
    assert.equal(first.checks.get(refused)?.healthScore, 50);
    assert.match(first.checks.get(refused)?.failure ?? '', /^Provider "Wrong password BR" refused the credentials \(HTTP 407\)/);
    assert.deepEqual(first.unhealthy, [], `one failure is not enough to move chips (line: ${MIN_PROXY_HEALTH})`);
    assert.equal((await world.chips.state(chipId)).proxyId, dead, 'the chip stays after one failed check');
    assert.equal(await world.db.chipEvent.count({ where: { chipId, type: 'proxy_reassigned' } }), 0);

    const second = await runHealthCheck();
    assert.equal(second.checks.get(dead)?.healthScore, 25);
    assert.equal(second.checks.get(refused)?.healthScore, 25);
    assert.deepEqual([...second.unhealthy].sort(), [dead, refused].sort(), 'two failures in a row take both below the line');
    assert.ok(!second.unhealthy.includes(world.proxyId));
    const rows = await world.db.proxy.findMany({ where: { id: { in: [dead, refused] } } });
    assert.ok(rows.every((p) => p.healthScore < MIN_PROXY_HEALTH && p.lastHealthCheck !== null && p.lastExitIp === null));

    const moved = await world.waitForState(chipId, (s) => s.proxyId === world.proxyId && s.exitIp !== null, 'moved to the healthy proxy');
    assert.notEqual(moved.sessionId, placed.sessionId, 'a new sticky session on the new proxy');
    assert.match(moved.exitIp ?? '', /^127\.0\.1\.\d+$/);
    const event = await world.db.chipEvent.findFirstOrThrow({ where: { chipId, type: 'proxy_reassigned' } });
    const detail = event.detail as { proxyId: string; sessionId: string; reason: string };
    assert.equal(detail.proxyId, world.proxyId);
    assert.equal(detail.sessionId, moved.sessionId);
    assert.match(detail.reason, /^proxy health 25\/100: Provider "Dead BR" refused the connection/, 'the event says why the chip moved');
    const assignments = await world.db.chipProxyAssignment.findMany({ where: { chipId }, orderBy: { assignedAt: 'asc' } });
    assert.deepEqual(
      assignments.map((a) => ({ proxyId: a.proxyId, sessionId: a.sessionId, live: a.releasedAt === null })),
      [
        { proxyId: dead, sessionId: placed.sessionId, live: false },
        { proxyId: world.proxyId, sessionId: moved.sessionId, live: true },
      ],
    );

    await world.chips.release(chipId, 'done');
    await setActive(dead, false);
    await setActive(refused, false);
  });

  it("fails a 'proxy' whose exit IP is this server's own (not_a_proxy), and moves its chips too", async () => {
    // A plain forwarding proxy: no exit-address binding, so the echo sees the same 127.0.0.1 as a direct request.
    forwarder = new ForwardingProxy({ host: '127.0.0.1', port: 0 });
    await forwarder.listen();
    await setActive(world.proxyId, false);
    // The longest name a provider may have (80): the reason the chips get must still be accepted by them.
    const name = `Not a proxy ${'x'.repeat(80 - 'Not a proxy '.length)}`;
    const fake = await addProxy(name, '127.0.0.1', forwarder.port, world.provider.password);
    const user = await world.createUser('BUSINESS');
    const chipId = await world.startChip(user.id, 'on-a-fake-proxy');
    const placed = await world.waitForState(chipId, (s) => s.proxyId === fake && s.exitIp !== null, 'placed on the fake proxy');
    assert.equal(placed.exitIp, '127.0.0.1', "through the fake proxy the chip leaves from this server's own address");
    // The chip notices by itself and takes no traffic until another proxy exists.
    const stopped = await world.waitForState(chipId, (s) => s.status === 'WAITING_FOR_PROXY' && s.workerQueue === null, 'chip stops using the fake proxy');
    assert.match(stopped.lastError ?? '', /server\u2019s own IP; waiting for another healthy proxy/);
    await setActive(world.proxyId, true);

    const first = await runHealthCheck();
    const check = first.checks.get(fake);
    assert.equal(check?.healthScore, 50, 'an unproxied answer is a failed check');
    assert.equal(
      check?.failure,
      `Provider "${name}" let the request out from this server's own IP (127.0.0.1): 127.0.0.1:${forwarder.port} is not acting as a proxy`,
    );
    assert.equal((await world.db.proxy.findUniqueOrThrow({ where: { id: fake } })).lastExitIp, null, 'a failed check records no exit IP');

    const second = await runHealthCheck();
    assert.deepEqual(second.unhealthy, [fake]);
    const moved = await world.waitForState(chipId, (s) => s.proxyId === world.proxyId && s.exitIp !== null, 'moved to a real proxy');
    assert.match(moved.exitIp ?? '', /^127\.0\.1\.\d+$/);
    const event = await world.db.chipEvent.findFirstOrThrow({ where: { chipId, type: 'proxy_reassigned' } });
    const { reason } = event.detail as { reason: string };
    // Whichever comes first moves it: the chip's own retry once a real proxy is active, or the health check's signal.
    assert.match(reason, /^(the previous proxy did not proxy|proxy health 25\/100: Provider "Not a proxy x+" let the request out from this server's own IP)/);
    assert.ok(reason.length <= 200, `the reason fits a chip command (${reason.length} characters)`);

    await world.chips.release(chipId, 'done');
    await setActive(fake, false);
  });

  it('an echo outage (unreachable directly and through every proxy) disconnects nobody and is reported as one', async () => {
    const chipId = await connectedChip('through-an-echo-outage');
    const before = await world.chips.state(chipId);
    world.provider.standIn.setEchoOutage(true);
    try {
      for (let run = 1; run <= 3; run++) {
        const result = await runHealthCheck();
        assert.equal(result.echoOutage, true, `run ${run} reports the echo outage`);
        assert.deepEqual(result.unhealthy, []);
        assert.equal(result.moved, 0);
        assert.equal(result.checks.get(world.proxyId)?.healthScore, 100, 'no evidence about the proxy: its score stays');
      }
    } finally {
      world.provider.standIn.setEchoOutage(false);
    }
    const after = await world.chips.state(chipId);
    assert.equal(after.sessionId, before.sessionId, 'same sticky session');
    assert.equal((await world.db.chip.findUniqueOrThrow({ where: { id: chipId } })).status, 'OPEN', 'still connected');
    assert.equal(await world.db.chipEvent.count({ where: { chipId, type: { in: ['proxy_move_requested', 'proxy_reassigned'] } } }), 0);
    assert.equal((await runHealthCheck()).echoOutage, false, 'the echo is back');
    await world.chips.release(chipId, 'done');
  });

  it('keeps the chips of an unhealthy proxy where they are while no healthy proxy could take them', async () => {
    await setActive(world.proxyId, false);
    const dead = await addProxy('Dead alone BR', '127.0.0.1', await freePort(), world.provider.password);
    const user = await world.createUser('BUSINESS');
    const chipId = await world.startChip(user.id, 'alone-on-a-dead-proxy');
    const placed = await world.waitForState(chipId, (s) => s.proxyId === dead && s.sessionId !== null, 'placed on the dead proxy');
    await runHealthCheck();
    const second = await runHealthCheck();
    assert.deepEqual(second.unhealthy, [dead]);
    assert.deepEqual(second.noAlternative, [dead], 'reported as unhealthy with nowhere to go');
    assert.equal(second.moved, 0);
    assert.equal((await world.chips.state(chipId)).sessionId, placed.sessionId, 'not re-rolled onto nothing');
    assert.equal(await world.db.chipEvent.count({ where: { chipId, type: 'proxy_move_requested' } }), 0);

    await setActive(world.proxyId, true);
    const third = await runHealthCheck();
    assert.equal(third.moved, 1, 'moved once a healthy alternative exists');
    await world.waitForState(chipId, (s) => s.proxyId === world.proxyId, 'moved to the healthy proxy');
    const request = await world.db.chipEvent.findFirstOrThrow({ where: { chipId, type: 'proxy_move_requested' } });
    assert.equal((request.detail as { fromProxyId: string }).fromProxyId, dead, 'the move is recorded on the chip');
    await world.chips.release(chipId, 'done');
    await setActive(dead, false);
  });

  it('does not move a chip whose own connection is up when probes of its proxy fail', async () => {
    await setActive(world.proxyId, false);
    const second = await addProxy('Second BR', world.provider.standIn.proxyHost, world.provider.standIn.proxyPort, world.provider.password);
    const chipId = await connectedChip('connected-on-a-failing-proxy');
    const placed = await world.chips.state(chipId);
    assert.equal(placed.proxyId, second);
    await setActive(world.proxyId, true);
    // Probes now present a wrong password (407): evidence against the proxy, while the chip's tunnel stays up.
    const { providerId } = await world.db.proxy.findUniqueOrThrow({ where: { id: second } });
    await world.db.proxyProvider.update({ where: { id: providerId }, data: { passwordEncrypted: cipher.encrypt('rotated-elsewhere') } });
    await runHealthCheck();
    const run = await runHealthCheck();
    assert.deepEqual(run.unhealthy, [second]);
    assert.equal(run.moved, 0, 'the connected chip is evidence its path works');
    assert.equal((await world.chips.state(chipId)).sessionId, placed.sessionId);
    assert.equal((await world.db.chip.findUniqueOrThrow({ where: { id: chipId } })).status, 'OPEN');
    await world.chips.release(chipId, 'done');
    await setActive(second, false);
  });
});


/** recordProxyHealth results by proxy id, decoded from the completed activities in the workflow's history. */
async function healthResults(handle: WorkflowHandle): Promise<Map<string, ProxyHealthResult>> {
  const results = new Map<string, ProxyHealthResult>();
  for (const event of (await handle.fetchHistory()).events ?? []) {
    for (const payload of event.activityTaskCompletedEventAttributes?.result?.payloads ?? []) {
      if (!payload.data?.length) continue;
      const value: unknown = JSON.parse(Buffer.from(payload.data).toString('utf8'));
      if (value && typeof value === 'object' && 'proxyId' in value && 'healthScore' in value) {
        const result = value as ProxyHealthResult;
        results.set(result.proxyId, result);
      }
    }
  }
  return results;
}
