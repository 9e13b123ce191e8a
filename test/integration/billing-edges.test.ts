// Bytes at the edges of a worker's life: a deploy's orderly stop in the middle of a download, and a
// registration no workflow meters any more. Both are checked against the Smartproxy stand-in's own
// count of what it carried: the provider bills every byte, so Chipgate must too (the customer's, and
// the platform's own exit-IP probes apart).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { chipWorkflowId } from '@chipgate/workflows/chip/contract';
import type { OrphanSweep } from '@chipgate/activities/chip/orphaned-counters';
import { startChipWorld, type ChipWorld } from '../support/chip-world';
import { until } from '../support/until';
import { startWhatsAppStandIn, type WhatsAppStandIn } from '../standins/whatsapp';

describe('no byte is lost at the edges: orderly stop, orphaned counters', () => {
  let whatsapp: WhatsAppStandIn;
  let world: ChipWorld;
  before(async () => {
    whatsapp = await startWhatsAppStandIn();
    world = await startChipWorld({ whatsapp, meterIntervalSeconds: 1 });
  });
  after(async () => {
    await world?.close();
    await whatsapp?.close();
  });

  const billedOnProvider = async () =>
    (await world.db.proxyUsageLog.aggregate({ where: { proxy: { providerId: world.providerId } }, _sum: { bytesTotal: true } }))._sum.bytesTotal ?? 0n;
  const unbilled = async (chipId: string) =>
    (await world.db.chipTrafficCounter.findMany({ where: { chipId } })).reduce((sum, c) => sum + (c.bytesSent - c.billedSent) + (c.bytesReceived - c.billedReceived), 0n);

  async function connectedChip(label: string) {
    const user = await world.createUser('ENTERPRISE');
    const chipId = await world.startChip(user.id, label);
    await world.waitForState(chipId, (s) => s.workerQueue !== null && s.exitIp !== null, 'connected');
    return chipId;
  }

  it('an orderly stop (sockets, then gateway, then a final flush) bills what the provider carried, to the byte', async () => {
    const chipId = await connectedChip('deployed under');
    // Its WhatsApp socket is open (showing a QR) through the gateway; a download goes through it too.
    await until('the chip to show its QR', async () => (await world.db.chip.findUniqueOrThrow({ where: { id: chipId } })).status === 'QR');
    assert.equal((await world.throughChip(chipId, '/bytes/900000')).body.length, 900_000);

    // A deploy: the socket's closing frames are the last bytes this worker carries for the chip.
    await world.restartWorker();
    // Releasing disconnects the chip wherever it now lives and bills its counters, the stopped worker's included.
    await world.chips.release(chipId, 'test over');

    const carried = world.provider.standIn.accountBytes().total;
    assert.equal(await unbilled(chipId), 0n, 'nothing is left unbilled');
    assert.equal((await billedOnProvider()) + (await world.platformBytes()).total, carried, 'billed bytes + the platform’s exit-IP probes = bytes the provider carried');
  });

  it('bills the counters of a chip whose workflow was terminated (no workflow meters them) with the scheduled sweep', async () => {
    const chipId = await connectedChip('orphaned');
    assert.equal((await world.throughChip(chipId, '/bytes/700000')).body.length, 700_000);
    await world.temporal.workflow.getHandle(chipWorkflowId(chipId)).terminate('an operator ended it by hand');
    // Nothing will ever meter or release the chip now: its worker notices the workflow ended and drops
    // the socket by itself (flushing the chip's last bytes), instead of carrying it forever.
    await until('the worker to drop the ended chip’s socket', async () => !world.currentWorker().connections.has(chipId), 30_000);
    const row = await world.db.chip.findUniqueOrThrow({ where: { id: chipId } });
    assert.equal(row.workerId, null, 'no worker claims the chip any more');
    assert.equal(row.status, 'CLOSED');
    assert.match(row.lastError ?? '', /ended \(TERMINATED\)/);
    assert.equal(await world.db.chipProxyAssignment.count({ where: { chipId, releasedAt: null } }), 0, 'its proxy is released');
    assert.deepEqual(
      whatsapp.connections.filter((c) => !c.closed).map((c) => c.id),
      [],
      'its WhatsApp connection is closed at the stand-in',
    );
    const orphaned = await unbilled(chipId);
    const carried = world.provider.standIn.accountBytes().total;
    assert.ok(orphaned >= 700_000n, `the download is in counters nobody meters (${orphaned} bytes)`);

    const sweep = (await world.temporal.workflow.execute('orphanedCounterSweepWorkflow', {
      taskQueue: world.taskQueue,
      workflowId: `orphan-sweep-${chipId}`,
      args: [{ idleSeconds: 0 }],
    })) as OrphanSweep;
    assert.deepEqual(sweep.chipIds, [chipId]);
    assert.equal(BigInt(sweep.bytes), orphaned);
    assert.equal(await unbilled(chipId), 0n);
    assert.equal((await billedOnProvider()) + (await world.platformBytes()).total, carried, 'billed bytes + the platform’s exit-IP probes = bytes the provider carried');

    const again = (await world.temporal.workflow.execute('orphanedCounterSweepWorkflow', {
      taskQueue: world.taskQueue,
      workflowId: `orphan-sweep-again-${chipId}`,
      args: [{ idleSeconds: 0 }],
    })) as OrphanSweep;
    assert.deepEqual(again, { chipIds: [], bytes: '0' }, 'a second sweep bills nothing twice');
  });
});
