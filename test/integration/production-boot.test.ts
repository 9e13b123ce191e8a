// Production mode, as README "Production" runs it: `next build` (once for this file, with none of the
// app's variables set: a build needs no secrets), then `next start` against a scratch PostgreSQL
// database and the run's Temporal server with no stand-ins and no demo data, serving the sign-in page.
// A missing or malformed variable stops `next start` and `npm run start:worker` with a non-zero exit
// and a message naming it.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { applyMigrations } from '@chipgate/db/migrate';
import { repoRoot } from '../stack/paths';
import { freePort, waitForPort } from '../stack/ports';
import { stopChild } from '../stack/temporal';
import { emptyDatabase } from '../support/database';
import { testEnv } from '../support/environment';
import { buildNext, nextOutput, scratchDistDir, spawnNext, type NextOutput } from '../support/next-app';

/** Every variable the web app or the worker reads: none leaks from the test run into a process under test. */
const APP_VARIABLES = [
  'DATABASE_URL',
  'TEMPORAL_ADDRESS',
  'TEMPORAL_NAMESPACE',
  'TEMPORAL_UI_URL',
  'CHIPGATE_SECRET_KEY',
  'CHIPGATE_TASK_QUEUE',
  'CHIPGATE_IP_ECHO_URL',
  'CHIPGATE_APP_URL',
  'CHIPGATE_METRICS_TOKEN',
  'CHIPGATE_METRICS_PORT',
  'STRIPE_SECRET_KEY',
  'STRIPE_API_BASE',
  'STRIPE_WEBHOOK_SECRET',
  'SMTP_URL',
  'ALERT_WEBHOOK_URL',
  'ALERT_WEBHOOK_SECRET',
];

function withoutAppVariables(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of APP_VARIABLES) delete env[name];
  return env;
}

/** Resolves with the exit code once the child ends; rejects if it is still running after `timeoutMs`. */
function exitOf(child: ReturnType<typeof spawn>, what: string, output: () => string, timeoutMs = 90_000): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stopChild(child);
      reject(new Error(`${what} was still running after ${timeoutMs / 1000} s:\n${output()}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

describe('production mode', { timeout: 10 * 60_000 }, () => {
  const dist = scratchDistDir('next-production');
  let output: NextOutput;
  let databaseUrl: string;
  let dropDatabase: (() => Promise<void>) | undefined;
  let webEnv: NodeJS.ProcessEnv;

  before(async () => {
    const database = await emptyDatabase();
    dropDatabase = database.drop;
    databaseUrl = database.url;
    applyMigrations(databaseUrl);
    output = nextOutput(path.join(testEnv.artifactsDir, 'next-production.log'));
    await buildNext({ ...withoutAppVariables(), ...dist.env }, output);
    webEnv = {
      ...withoutAppVariables(),
      ...dist.env,
      NODE_ENV: 'production',
      DATABASE_URL: databaseUrl,
      TEMPORAL_ADDRESS: testEnv.temporalAddress,
      CHIPGATE_SECRET_KEY: process.env.CHIPGATE_SECRET_KEY,
      STRIPE_WEBHOOK_SECRET: 'whsec_production_boot_test',
    };
  });

  after(async () => {
    if (output) await new Promise<void>((resolve) => output.log.end(resolve));
    dist.remove();
    await dropDatabase?.();
  });

  it('next start serves the sign-in page from the build, on the real database and Temporal', async () => {
    const port = await freePort();
    const child = spawnNext(['start', '--port', String(port), '--hostname', '127.0.0.1'], webEnv, output);
    try {
      const exited = exitOf(child, 'next start', () => output.tail.join('\n'), 10 * 60_000).then((code) => {
        throw new Error(`next start exited (${code}) before it listened:\n${output.tail.join('\n')}`);
      });
      exited.catch(() => {});
      await Promise.race([waitForPort(port, 'next start', 120_000), exited]);
      const signIn = await fetch(`http://127.0.0.1:${port}/sign-in`);
      const html = await signIn.text();
      assert.equal(signIn.status, 200, html.slice(0, 500));
      assert.match(html, /<form[^>]*aria-label="Sign in"/, 'the sign-in form');
      assert.match(html, /name="email"/);
      assert.match(html, /name="password"/);
      // A page that reads PostgreSQL: the fleet's state for Prometheus.
      const metrics = await fetch(`http://127.0.0.1:${port}/api/metrics`);
      assert.equal(metrics.status, 200, await metrics.clone().text());
      assert.match(await metrics.text(), /^# (HELP|TYPE) /m);
      assert.ok(child.exitCode === null, 'still serving');
    } finally {
      await stopChild(child);
    }
  });

  for (const [what, change, named] of [
    ['without CHIPGATE_SECRET_KEY', { CHIPGATE_SECRET_KEY: undefined }, /CHIPGATE_SECRET_KEY is not set/],
    ['with a malformed DATABASE_URL', { DATABASE_URL: 'mysql://chipgate@127.0.0.1/chipgate' }, /DATABASE_URL must be a postgresql:\/\/ URL/],
    ['without TEMPORAL_ADDRESS in production', { TEMPORAL_ADDRESS: undefined }, /TEMPORAL_ADDRESS is not set/],
    ['without STRIPE_WEBHOOK_SECRET', { STRIPE_WEBHOOK_SECRET: undefined }, /STRIPE_WEBHOOK_SECRET is not set/],
  ] as const) {
    it(`next start ${what} exits non-zero naming the variable`, async () => {
      const env: NodeJS.ProcessEnv = { ...webEnv, ...change };
      for (const [name, value] of Object.entries(change)) if (value === undefined) delete env[name];
      const failed = nextOutput(path.join(testEnv.artifactsDir, `next-production-refused-${Object.keys(change)[0]}.log`));
      const child = spawnNext(['start', '--port', String(await freePort()), '--hostname', '127.0.0.1'], env, failed);
      const code = await exitOf(child, 'next start', () => failed.tail.join('\n'));
      await new Promise<void>((resolve) => failed.log.end(resolve));
      assert.notEqual(code, 0);
      assert.match(failed.tail.join('\n'), named);
    });
  }

  function startWorker(env: NodeJS.ProcessEnv) {
    const child = spawn('npm', ['run', '--silent', 'start:worker'], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let text = '';
    const keep = (chunk: Buffer) => {
      text = (text + chunk.toString()).slice(-20_000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    return { child, output: () => text };
  }

  const workerEnv = (): NodeJS.ProcessEnv => ({
    ...withoutAppVariables(),
    DATABASE_URL: databaseUrl,
    TEMPORAL_ADDRESS: testEnv.temporalAddress,
    CHIPGATE_SECRET_KEY: process.env.CHIPGATE_SECRET_KEY,
    CHIPGATE_TASK_QUEUE: `production-boot-${process.pid}`,
    CHIPGATE_IP_ECHO_URL: 'https://ip.example.com/json',
    STRIPE_SECRET_KEY: 'sk_test_production_boot',
    CHIPGATE_APP_URL: 'https://chipgate.example.com',
  });

  it('npm run start:worker with every variable polls Temporal', async () => {
    const worker = startWorker(workerEnv());
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`the worker was not polling within 120 s:\n${worker.output()}`)), 120_000);
        worker.child.stdout.on('data', () => {
          if (/worker \S+ polling/.test(worker.output())) {
            clearTimeout(timer);
            resolve();
          }
        });
        worker.child.once('exit', (code) => {
          clearTimeout(timer);
          reject(new Error(`the worker exited (${code}) before polling:\n${worker.output()}`));
        });
      });
    } finally {
      await stopChild(worker.child, 30_000);
    }
  });

  for (const [what, change, named] of [
    ['without TEMPORAL_ADDRESS', { TEMPORAL_ADDRESS: undefined }, /TEMPORAL_ADDRESS is not set/],
    ['without STRIPE_SECRET_KEY or CHIPGATE_APP_URL', { STRIPE_SECRET_KEY: undefined, CHIPGATE_APP_URL: undefined }, /STRIPE_SECRET_KEY is not set[\s\S]*CHIPGATE_APP_URL is not set|CHIPGATE_APP_URL is not set[\s\S]*STRIPE_SECRET_KEY is not set/],
    ['with a malformed DATABASE_URL and no CHIPGATE_SECRET_KEY', { DATABASE_URL: 'not-a-url', CHIPGATE_SECRET_KEY: undefined }, /DATABASE_URL must be a postgresql:\/\/ URL[\s\S]*CHIPGATE_SECRET_KEY is not set/],
  ] as const) {
    it(`npm run start:worker ${what} exits non-zero naming it`, async () => {
      const env: NodeJS.ProcessEnv = { ...workerEnv(), ...change };
      for (const [name, value] of Object.entries(change)) if (value === undefined) delete env[name];
      const worker = startWorker(env);
      const code = await exitOf(worker.child, 'the worker', worker.output);
      assert.notEqual(code, 0);
      assert.match(worker.output(), named);
      assert.doesNotMatch(worker.output(), /polling/);
    });
  }
});
