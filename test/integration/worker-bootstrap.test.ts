import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { createProviderActivities } from '@chipgate/activities';
import { loadCredentialCipher } from '@chipgate/activities/secrets/credential-cipher';
import { saveProvider } from '@chipgate/activities/providers/provider-store';
import { createChipgateWorker, type ChipgateWorker } from '@chipgate/worker/bootstrap';
import { testDb } from '../support/database';
import { testEnv } from '../support/environment';
import { historyText } from '../support/history';
import { startTestStandIn } from '../support/standin';

describe('a workflow on the Temporal dev server through the project worker bootstrap', () => {
  const db = testDb();
  const cipher = loadCredentialCipher();
  const taskQueue = `test-${randomUUID()}`;
  let ctx: Awaited<ReturnType<typeof startTestStandIn>>;
  let worker: ChipgateWorker;
  let running: Promise<void>;
  let connection: Connection;
  let client: Client;

  before(async () => {
    ctx = await startTestStandIn();
    worker = await createChipgateWorker({
      temporalAddress: testEnv.temporalAddress,
      namespace: 'default',
      taskQueue,
      activities: createProviderActivities({ db, cipher, ipEchoUrl: ctx.standIn.echoUrl }),
    });
    running = worker.run();
    connection = await Connection.connect({ address: testEnv.temporalAddress });
    client = new Client({ connection });
  });
  after(async () => {
    await worker.shutdown();
    await running;
    await connection.close();
    await ctx.standIn.close();
    await db.$disconnect();
  });

  const providerFor = (name: string, password: string) =>
    saveProvider(db, cipher, {
      name,
      type: 'RESIDENTIAL',
      region: 'br',
      server: ctx.standIn.proxyHost,
      port: ctx.standIn.proxyPort,
      protocol: 'HTTP',
      username: ctx.username,
      password,
      costPerGb: '4.5',
    });

  it('tests a provider connection and keeps the password out of the workflow history', async () => {
    const provider = await providerFor(`wf-ok-${randomUUID()}`, ctx.password);
    const handle = await client.workflow.start('providerConnectionTestWorkflow', { taskQueue, workflowId: `provider-test-${randomUUID()}`, args: [{ providerId: provider.id }] });
    const result = await handle.result();
    assert.equal(result.ok, true);
    assert.match(result.exitIp, /^127\.0\.1\.\d+$/);
    assert.ok(result.latencyMs >= 0);
    const history = await historyText(handle);
    assert.ok(history.includes(provider.id), 'the history is readable (it names the provider id)');
    assert.ok(!history.includes(ctx.password), 'history carries no provider password');
  });

  it('returns the precise failure for refused credentials', async () => {
    const provider = await providerFor(`wf-bad-${randomUUID()}`, 'definitely-wrong');
    const result = await client.workflow.execute('providerConnectionTestWorkflow', { taskQueue, workflowId: `provider-test-${randomUUID()}`, args: [{ providerId: provider.id }] });
    assert.equal(result.ok, false);
    assert.equal(result.reason, 'auth_refused');
  });
});
