import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { ProxyAgent, request } from 'undici';
import { createDb, type Db } from '@chipgate/db';
import { applyMigrations } from '@chipgate/db/migrate';
import { loadCredentialCipher } from '@chipgate/activities/secrets/credential-cipher';
import { saveProvider } from '@chipgate/activities/providers/provider-store';
import { chipWorkflowClient } from '@chipgate/workflows/client/chip-client';
import type { ChipState } from '@chipgate/workflows/chip/contract';
import { startWorkerProcess } from '@chipgate/worker/worker-process';
import { emptyDatabase } from './database';
import { testEnv } from './environment';
import { startTestStandIn } from './standin';

/**
 * A complete, isolated Chipgate for one test file: its own database, the Smartproxy stand-in as the
 * provider, a worker process on its own task queue, and a Temporal client for it.
 */
export async function startChipWorld(options: { meterIntervalSeconds?: number; metersPerRun?: number; waWebSocketUrl?: string; planGbLimit?: string } = {}) {
  const database = await emptyDatabase();
  applyMigrations(database.url);
  const db: Db = createDb(database.url);
  if (options.planGbLimit) await db.plan.updateMany({ data: { proxyGbLimit: options.planGbLimit } });
  const provider = await startTestStandIn();
  const cipher = loadCredentialCipher();
  const savedProvider = await saveProvider(db, cipher, {
    name: 'Smartproxy BR (stand-in)',
    type: 'RESIDENTIAL',
    region: 'br',
    server: provider.standIn.proxyHost,
    port: provider.standIn.proxyPort,
    protocol: 'HTTP',
    username: provider.username,
    password: provider.password,
    apiKey: provider.apiKey,
    apiBaseUrl: provider.standIn.apiBaseUrl,
    costPerGb: '4.5',
  });
  const proxy = await db.proxy.create({ data: { providerId: savedProvider.id, kind: 'ROTATING', protocol: 'HTTP', region: 'br' } });
  const taskQueue = `chips-${randomUUID()}`;
  const worker = await startWorkerProcess(
    {
      databaseUrl: database.url,
      temporalAddress: testEnv.temporalAddress,
      temporalNamespace: 'default',
      taskQueue,
      ipEchoUrl: provider.standIn.echoUrl,
      waWebSocketUrl: options.waWebSocketUrl ?? 'ws://127.0.0.1:1/ws/chat',
      gatewayHost: '127.0.0.1',
      gatewayPort: 0,
      counterFlushMs: 250,
      healthCheckMinutes: 5,
      reconcileMinutes: 60,
    },
    { ...process.env, SMTP_URL: '', ALERT_WEBHOOK_URL: '' },
  );
  const connection = await Connection.connect({ address: testEnv.temporalAddress });
  const temporal = new Client({ connection });
  const chips = chipWorkflowClient(temporal, taskQueue);
  const plans = new Map((await db.plan.findMany()).map((p) => [p.code, p.id]));

  async function createUser(plan: 'FREE' | 'BUSINESS' | 'ENTERPRISE' = 'FREE') {
    return db.user.create({ data: { email: `${randomUUID()}@chipgate.test`, name: 'Test User', passwordHash: 'unused', planId: plans.get(plan)! } });
  }

  async function startChip(userId: string, label = 'chip') {
    const chip = await db.chip.create({ data: { ownerId: userId, label, region: 'br' } });
    await chips.start({ chipId: chip.id, userId, settings: { meterIntervalSeconds: options.meterIntervalSeconds ?? 2, metersPerRun: options.metersPerRun ?? 100, proxyRetrySeconds: 1 } });
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
    const dispatcher = new ProxyAgent(worker.connections.proxyUrl(chipId));
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
    proxyId: proxy.id,
    providerId: savedProvider.id,
    worker,
    temporal,
    chips,
    taskQueue,
    createUser,
    startChip,
    waitForState,
    throughChip,
    async close() {
      await worker.stop().catch(() => {});
      await connection.close();
      await provider.standIn.close();
      await db.$disconnect();
      await database.drop();
    },
  };
}

export type ChipWorld = Awaited<ReturnType<typeof startChipWorld>>;
