// The fleet's long run, compressed: paired chips (real Baileys, the WhatsApp stand-in) metered every
// second and continued-as-new every two meters, through everything a year brings — a broken build
// polling the task queue (failed workflow tasks), a deploy (the worker stopped as SIGTERM stops it,
// and a new one started) and a restart of the Temporal server itself. Only the deploy may reconnect a
// chip: the stand-in counts every login. CHIPGATE_SOAK_CHIPS and CHIPGATE_SOAK_RUNS scale it up.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import protos from '@temporalio/proto';
import { NativeConnection, Worker } from '@temporalio/worker';
import { chipWorkflowId } from '@chipgate/workflows/chip/contract';
import { startWhatsAppStandIn, type WhatsAppStandIn } from '../standins/whatsapp';
import { freePort } from '../stack/ports';
import { startTemporal, type RunningTemporal } from '../stack/temporal';
import { chipPairing, type PairedChip } from '../support/chip-pairing';
import { startChipWorld, type ChipWorld } from '../support/chip-world';
import { until } from '../support/until';

const CHIPS = Number(process.env.CHIPGATE_SOAK_CHIPS ?? 20);
/** Continue-as-new boundaries each chip must cross. */
const RUNS = Number(process.env.CHIPGATE_SOAK_RUNS ?? 50);
const METERS_PER_RUN = 2;
/** A run is a couple of meters and their steps: this bounds what one may cost in history events. */
const MAX_EVENTS_PER_RUN = 200;
const { EventType } = protos.temporal.api.enums.v1;

describe(`soak: ${CHIPS} connected chips across ${RUNS} continue-as-new boundaries, a broken build, a deploy and a Temporal restart`, { timeout: 1_800_000 }, () => {
  let whatsapp: WhatsAppStandIn;
  let temporalServer: RunningTemporal;
  let temporalPort: number;
  let temporalDir: string;
  let world: ChipWorld;

  const startServer = () => startTemporal({ port: temporalPort, dbFile: path.join(temporalDir, 'temporal.db') });

  before(async () => {
    whatsapp = await startWhatsAppStandIn();
    temporalDir = await mkdtemp(path.join(os.tmpdir(), 'chipgate-soak-'));
    temporalPort = await freePort();
    temporalServer = await startServer();
    world = await startChipWorld({ whatsapp, waKeepAliveMs: 1000, meterIntervalSeconds: 1, metersPerRun: METERS_PER_RUN, temporalAddress: temporalServer.address });
  });
  after(async () => {
    await world?.close();
    await temporalServer?.stop();
    await whatsapp?.close();
    if (temporalDir) await rm(temporalDir, { recursive: true, force: true });
  });

  /** Runs of the chip's workflow so far (each continue-as-new starts one), as Temporal's visibility counts them. */
  const runsOf = async (chipId: string) => (await world.temporal.workflow.count(`WorkflowId = "${chipWorkflowId(chipId)}"`)).count;
  const everyChipRuns = (chips: PairedChip[], runs: number, what: string) =>
    until(what, async () => (await Promise.all(chips.map((c) => runsOf(c.chipId)))).every((n) => n >= runs), RUNS * 20_000, 1000);

  it('no chip is reconnected but by the deploy, exit IPs stay, every period is metered once, histories stay small', async () => {
    const pairing = chipPairing(world, whatsapp);
    const chips: PairedChip[] = [];
    // A few at a time, as customers scan their QR codes; all at once only measures the pile-up.
    for (let i = 0; i < CHIPS; i += 5) chips.push(...(await Promise.all(Array.from({ length: Math.min(5, CHIPS - i) }, (_, k) => pairing.pair(`soak-${i + k}`, 180_000)))));
    const start = new Map<string, { exitIp: string | null; assignmentId: string }>();
    for (const chip of chips) {
      const row = await pairing.chipRow(chip.chipId);
      const assignment = await world.db.chipProxyAssignment.findFirstOrThrow({ where: { chipId: chip.chipId, releasedAt: null } });
      start.set(chip.chipId, { exitIp: row.exitIp, assignmentId: assignment.id });
      assert.ok(row.exitIp, `chip ${chip.chipId} recorded its exit IP`);
    }

    await everyChipRuns(chips, Math.ceil(RUNS / 4), 'a quarter of the runs');

    // A broken build polls the shared queue beside the good worker: each workflow task it takes fails.
    const brokenConnection = await NativeConnection.connect({ address: temporalServer.address });
    const broken = await Worker.create({
      connection: brokenConnection,
      taskQueue: world.taskQueue,
      workflowsPath: fileURLToPath(new URL('../support/broken-chip-workflow.ts', import.meta.url)),
    });
    const brokenRun = broken.runUntil(new Promise((resolve) => setTimeout(resolve, 15_000)));
    await brokenRun;
    await brokenConnection.close();
    const afterBroken = await Promise.all(chips.map((c) => runsOf(c.chipId)));
    await everyChipRuns(chips, Math.max(...afterBroken) + 2, 'runs after the broken build left');

    // A deploy: the worker stops as SIGTERM stops it, and a new one takes every chip.
    await world.restartWorker();
    await whatsapp.waitFor('every chip logged in from the new worker', () => chips.every((c) => c.device.logins >= 2), 180_000);
    const afterDeploy = await Promise.all(chips.map((c) => runsOf(c.chipId)));
    await everyChipRuns(chips, Math.max(...afterDeploy) + 2, 'runs after the deploy');

    // The Temporal server restarts; the worker and the chips' sockets carry on.
    await temporalServer.stop();
    await new Promise((resolve) => setTimeout(resolve, 3000));
    temporalServer = await startServer();
    await everyChipRuns(chips, RUNS + 1, `${RUNS} continue-as-new boundaries`);

    for (const chip of chips) {
      const row = await pairing.chipRow(chip.chipId);
      const { exitIp, assignmentId } = start.get(chip.chipId)!;
      assert.equal(chip.device.logins, 2, `chip ${chip.chipId}: logged in once, and once more after the deploy only`);
      assert.equal(row.status, 'OPEN');
      assert.equal(row.exitIp, exitIp, 'the exit IP is unchanged');
      const logins = whatsapp.connections.filter((c) => c.deviceJid === chip.device.jid);
      assert.deepEqual([...new Set(logins.map((c) => c.remoteAddress))], [exitIp], 'WhatsApp saw the chip from one address throughout');
      const assignment = await world.db.chipProxyAssignment.findFirstOrThrow({ where: { chipId: chip.chipId, releasedAt: null } });
      assert.equal(assignment.id, assignmentId, 'the same sticky assignment throughout');
    }

    // Histories: every run of every chip, with the failed workflow tasks the broken build caused.
    let runs = 0;
    let failedTasks = 0;
    let maxEvents = 0;
    let events = 0;
    for (const chip of chips) {
      for await (const execution of world.temporal.workflow.list({ query: `WorkflowId = "${chipWorkflowId(chip.chipId)}"` })) {
        const history = (await world.temporal.workflow.getHandle(execution.workflowId, execution.runId).fetchHistory()).events ?? [];
        runs++;
        events += history.length;
        maxEvents = Math.max(maxEvents, history.length);
        failedTasks += history.filter((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED).length;
      }
    }
    console.log(`[figures] ${CHIPS} chips, ${runs} runs: ${(events / runs).toFixed(1)} history events per run on average, ${maxEvents} at most; ${failedTasks} workflow tasks failed by the broken build`);
    assert.ok(failedTasks > 0, 'the broken build failed workflow tasks (the injection happened)');
    assert.ok(maxEvents <= MAX_EVENTS_PER_RUN, `largest run history ${maxEvents} events`);

    // Released, every byte is billed: exactly once per period, and with the probes all the provider carried.
    await Promise.all(chips.map((c) => world.chips.release(c.chipId, 'soak over')));
    let billedBytes = 0n;
    for (const chip of chips) {
      const logs = await world.db.proxyUsageLog.findMany({ where: { chipId: chip.chipId }, orderBy: { periodStart: 'asc' } });
      for (let i = 1; i < logs.length; i++) {
        assert.ok(logs[i]!.periodStart >= logs[i - 1]!.periodEnd, `chip ${chip.chipId}: periods ${i - 1} and ${i} overlap`);
      }
      const counters = await world.db.chipTrafficCounter.findMany({ where: { chipId: chip.chipId } });
      const counted = counters.reduce((sum, c) => sum + c.bytesSent + c.bytesReceived, 0n);
      const billed = logs.reduce((sum, l) => sum + l.bytesTotal, 0n);
      assert.equal(billed, counted, `chip ${chip.chipId}: billed once what its gateways counted`);
      billedBytes += billed;
    }
    const platform = await world.platformBytes();
    const provider = world.provider.standIn.accountBytes();
    assert.equal(billedBytes + platform.sent + platform.received, provider.total, 'billed bytes + the platform’s probes = what the provider carried');
  });
});
