// Starts a throw-away PostgreSQL database (embedded, or on the DATABASE_URL server) and a headless
// Temporal dev server, runs every test file with node's test runner against them, then tears down.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { applyMigrations } from '@chipgate/db/migrate';
import { repoRoot } from './paths';
import { freePort } from './ports';
import { dropDatabase, ensureDatabase, startPostgres } from './postgres';
import { startTemporal } from './temporal';

const TEST_SECRET_KEY = Buffer.alloc(32, 7).toString('base64');

function testFiles(filters: string[]): string[] {
  const files: string[] = [];
  for (const dir of ['unit', 'integration', 'e2e']) {
    const full = path.join(repoRoot, 'test', dir);
    if (!fs.existsSync(full)) continue;
    for (const name of fs.readdirSync(full).sort()) {
      if (name.endsWith('.test.ts')) files.push(path.join(full, name));
    }
  }
  return filters.length ? files.filter((f) => filters.some((filter) => f.includes(filter))) : files;
}

/** Reprints the spec reporter's own closing "failing tests" section, if the run had one. */
function printFailingTests(specReport: string): void {
  if (!fs.existsSync(specReport)) return;
  const report = fs.readFileSync(specReport, 'utf8');
  const start = report.indexOf('✖ failing tests:');
  if (start >= 0) console.log(`\n${report.slice(start)}`);
}

async function main(): Promise<number> {
  const files = testFiles(process.argv.slice(2));
  if (files.length === 0) throw new Error(`no test files match ${process.argv.slice(2).join(' ')}`);

  const pgDir = fs.mkdtempSync(path.join(os.tmpdir(), 'chipgate-test-pg-'));
  fs.chmodSync(pgDir, 0o777);
  const postgres = await startPostgres({ databaseUrl: process.env.DATABASE_URL, dataDir: path.join(pgDir, 'data'), port: await freePort() });
  const database = `chipgate_test_${process.pid}`;
  const temporalPort = await freePort();
  const temporal = await startTemporal({ address: process.env.TEMPORAL_ADDRESS, port: temporalPort, log: console.log });
  try {
    const databaseUrl = await ensureDatabase(postgres.serverUrl, database);
    applyMigrations(databaseUrl);
    // TAP on stdout as before, and the spec reporter to a file whose closing list of failing tests is printed
    // last: a run's log is often read from its tail, and in TAP a failure sits among 400 passes.
    const specReport = path.join(pgDir, 'spec-report.txt');
    const reporters = ['--test-reporter=tap', '--test-reporter-destination=stdout', '--test-reporter=spec', `--test-reporter-destination=${specReport}`];
    const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', ...reporters, ...files], {
      cwd: repoRoot,
      stdio: 'inherit',
      env: {
        ...process.env,
        DATABASE_URL: databaseUrl,
        CHIPGATE_TEST_PG_SERVER_URL: postgres.serverUrl,
        TEMPORAL_ADDRESS: temporal.address,
        CHIPGATE_SECRET_KEY: TEST_SECRET_KEY,
        CHIPGATE_TEST_ARTIFACTS: path.join(repoRoot, 'test-artifacts'),
        // Workers need a payment provider configured to start; tests that buy top-ups run their own Stripe stand-in.
        STRIPE_SECRET_KEY: 'sk_test_unused_by_default',
        STRIPE_API_BASE: 'http://127.0.0.1:9',
        CHIPGATE_APP_URL: 'http://127.0.0.1:3000',
        // And the web app one to verify webhooks (its environment is checked whole, at boot or first use).
        STRIPE_WEBHOOK_SECRET: 'whsec_unused_by_default',
      },
    });
    const code = await new Promise<number>((resolve) => child.on('exit', (exitCode) => resolve(exitCode ?? 1)));
    printFailingTests(specReport);
    return code;
  } finally {
    await temporal.stop();
    if (!postgres.embedded) await dropDatabase(postgres.serverUrl, database).catch(() => {});
    await postgres.stop();
    fs.rmSync(pgDir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
