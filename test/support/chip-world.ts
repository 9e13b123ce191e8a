import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { ProxyAgent, request } from 'undici';
import { createDb, type Db } from '@chipgate/db';
import { applyMigrations } from '@chipgate/db/migrate';
import { chipWorkflowClient, type ChipWorkflowClient } from '@chipgate/workflows/client/chip-client';
import type { ChipState } from '@chipgate/workflows/chip/contract';
import type { WorkerConfig } from '@chipgate/worker/config';
import { startWorkerProcess } from '@chipgate/worker/worker-process';
import type { WhatsAppStandIn } from '../standins/whatsapp';
import { emptyDatabase } from './database';
import { testEnv } from './environment';
import { saveStandInProvider, startTestStandIn } from './standin';
import { platformBytes } from './platform-traffic';

export interface ChipWorldOptions {
  meterIntervalSeconds?: number;
  metersPerRun?: number;
  waWebSocketUrl?: string;
  /**
   * Chips talk WhatsApp's protocol with this stand-in: its URL, and its certificate key trusted by
   * the worker (which makes this test process's Baileys trust it, for every socket).
   */
  whatsapp?: WhatsAppStandIn;
  /** Baileys' keep-alive interval in the worker, compressed for tests that count pings. */
  waKeepAliveMs?: number;
  /** The worker serves Prometheus metrics on a free loopback port (with this bearer token, if given). */
  metrics?: { token?: string };
  planGbLimit?: string;
  /**
   * Whether the world saves the stand-in as a provider with one rotating proxy for region br (the
   * default). The end-to-end test passes false: its admin creates them through the web app.
   */
  seedProvider?: boolean;
  /** Added to the worker's environment, e.g. the payment provider and CHIPGATE_APP_URL for top-ups. */
  workerEnv?: NodeJS.ProcessEnv;
  /** Chips each worker holds at most; beyond it a chip goes to another (startAnotherWorker()). */
  maxChips?: number;
  /** A Temporal server of the test's own (the soak restarts it); the shared test server otherwise. */
  temporalAddress?: string;
}

/**
 * A complete, isolated Chipgate for one test file: its own database, the Smartproxy stand-in as the
 * provider, a worker process on its own task queue, and a Temporal client for it.
 */
export async function startChipWorld(options?: ChipWorldOptions & { seedProvider?: true }): Promise<ChipWorld>;
export async function startChipWorld(options: ChipWorldOptions & { seedProvider: false }): Promise<ChipWorldWithoutProvider>;
export async function startChipWorld(options: ChipWorldOptions = {}): Promise<ChipWorld | ChipWorldWithoutProvider> {
  // What is started so far, stopped in reverse if a later step fails (a failed start leaks nothing).
  const started: Array<() => Promise<unknown>> = [];
  /** Stops everything even when a step fails, then reports the first failure. */
  const stopStarted = async () => {
    const failures: unknown[] = [];
    for (const stop of started.splice(0).reverse()) await stop().catch((err: unknown) => failures.push(err));
    if (failures.length > 0) throw failures[0];
  };
  try {
    const { providerId, proxyId, ...world } = await buildChipWorld(options, started, stopStarted);
    return providerId !== null && proxyId !== null ? { ...world, providerId, proxyId } : world;
  } catch (err) {
    await stopStarted().catch(() => {});
    throw err;
  }
}

async function buildChipWorld(options: ChipWorldOptions, started: Array<() => Promise<unknown>>, stopStarted: () => Promise<void>) {
  const database = await emptyDatabase();
  started.push(() => database.drop());
  applyMigrations(database.url);
  const db: Db = createDb(database.url);
  started.push(() => db.$disconnect());
  if (options.planGbLimit) await db.plan.updateMany({ data: { proxyGbLimit: options.planGbLimit } });
  const provider = await startTestStandIn();
  started.push(() => provider.standIn.close());
  let providerId: string | null = null;
  let proxyId: string | null = null;
  if (options.seedProvider ?? true) {
    ({ providerId, proxyId } = await saveStandInProvider(db, provider));
  }
  const taskQueue = `chips-${randomUUID()}`;
  const workerConfig: WorkerConfig = {
    databaseUrl: database.url,
    temporalAddress: options.temporalAddress ?? testEnv.temporalAddress,
    temporalNamespace: 'default',
    taskQueue,
    ipEchoUrl: provider.standIn.echoUrl,
    waWebSocketUrl: options.whatsapp?.url ?? options.waWebSocketUrl ?? 'ws://127.0.0.1:1/ws/chat',
    ...(options.whatsapp ? { waCertificateKey: Buffer.from(options.whatsapp.certificatePublicKey, 'hex') } : {}),
    ...(options.waKeepAliveMs !== undefined ? { waKeepAliveMs: options.waKeepAliveMs } : {}),
    gatewayHost: '127.0.0.1',
    gatewayPort: 0,
    counterFlushMs: 250,
    healthCheckMinutes: 5,
    reconcileMinutes: 60,
    orphanSweepMinutes: 15,
    endedChipCheckSeconds: 1,
    maxChips: options.maxChips ?? 2000,
    ...(options.metrics ? { metrics: { host: '127.0.0.1', port: 0, ...options.metrics } } : {}),
  };
  const workerEnv = { ...process.env, SMTP_URL: '', ALERT_WEBHOOK_URL: '', ...options.workerEnv };
  let worker = await startWorkerProcess(workerConfig, workerEnv);
  // A worker that already failed has nothing left to stop.
  started.push(() => worker.stop().catch(() => {}));

  /** Stops the worker as a deploy would (SIGTERM-like: its sockets close), then starts a new one. */
  async function restartWorker() {
    await worker.stop();
    worker = await startWorkerProcess(workerConfig, workerEnv);
    return worker;
  }
  const others: Array<Awaited<ReturnType<typeof startWorkerProcess>>> = [];
  /** Another worker process on the same task queue, with its own gateway: chips spread over them. */
  async function startAnotherWorker() {
    const another = await startWorkerProcess(workerConfig, workerEnv);
    started.push(() => another.stop().catch(() => {}));
    others.push(another);
    return another;
  }
  /** The worker whose gateway carries the chip now. */
  const holderOf = (chipId: string) => [worker, ...others].find((w) => w.connections.has(chipId)) ?? worker;
  const connection = await Connection.connect({ address: options.temporalAddress ?? testEnv.temporalAddress });
  started.push(() => connection.close());
  const temporal = new Client({ connection });
  const chips = chipWorkflowClient(temporal, taskQueue);
  const plans = new Map((await db.plan.findMany()).map((p) => [p.code, p.id]));

  async function createUser(plan: 'FREE' | 'BUSINESS' | 'ENTERPRISE' = 'FREE') {
    return db.user.create({ data: { email: `${randomUUID()}@chipgate.test`, name: 'Test User', passwordHash: 'unused', planId: plans.get(plan)! } });
  }

  /** Creates a chip row and starts its workflow: on the world's queue, or on `on`'s (worker processes of a fleet). */
  async function startChip(userId: string, label = 'chip', on: ChipWorkflowClient = chips) {
    const chip = await db.chip.create({ data: { ownerId: userId, label, region: 'br' } });
    await on.start({ chipId: chip.id, userId, settings: { meterIntervalSeconds: options.meterIntervalSeconds ?? 2, metersPerRun: options.metersPerRun ?? 100, proxyRetrySeconds: 1 } });
    return chip.id;
  }

  /** Polls the workflow's query until the predicate holds (queries are cheap; the workflow does the work). */
  async function waitForState(chipId: string, predicate: (state: ChipState) => boolean, what: string, timeoutMs = 60_000): Promise<ChipState> {
    const deadline = Date.now() + timeoutMs;
    let last: ChipState | undefined;
    while (Date.now() < deadline) {
      last = await chips.state(chipId).catch(() => undefined);
      if (last && predicate(last)) return last;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`chip ${chipId}: timed out waiting for ${what}; last state ${JSON.stringify(last)}`);
  }

  /** Traffic of "another client of the chip": through the chip's own gateway credential. */
  async function throughChip(chipId: string, path: string, init: { method?: 'GET' | 'POST'; body?: Buffer } = {}) {
    const dispatcher = new ProxyAgent(holderOf(chipId).connections.proxyUrl(chipId));
    try {
      const url = new URL(path, provider.standIn.echoUrl);
      const response = await request(url, { method: init.method ?? 'GET', body: init.body, dispatcher });
      const body = Buffer.from(await response.body.arrayBuffer());
      return { status: response.statusCode, body };
    } finally {
      await dispatcher.close();
    }
  }

  return {
    db,
    databaseUrl: database.url,
    provider,
    proxyId,
    providerId,
    /** The worker as first started; after restartWorker() use currentWorker(). */
    worker,
    currentWorker: () => worker,
    restartWorker,
    startAnotherWorker,
    holderOf,
    temporal,
    chips,
    taskQueue,
    createUser,
    startChip,
    waitForState,
    throughChip,
    /** The platform's exit-IP probes' bytes, which the provider carried and no customer is billed for. */
    platformBytes: () => platformBytes(db),
    /** Stops the worker, the Temporal connection and the stand-in, and drops the database. */
    close: stopStarted,
  };
}

type BuiltWorld = Awaited<ReturnType<typeof buildChipWorld>>;
/** A world without the seeded provider and proxy (`seedProvider: false`). */
export type ChipWorldWithoutProvider = Omit<BuiltWorld, 'providerId' | 'proxyId'>;
/** A world with the stand-in saved as its provider and one rotating proxy for region br. */
export type ChipWorld = ChipWorldWithoutProvider & { providerId: string; proxyId: string };
