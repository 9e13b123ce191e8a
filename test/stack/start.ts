// The one-command embedded stack behind `npm start`: PostgreSQL, Temporal with its Web UI, the
// Smartproxy stand-in, migrations and demo data, the worker and the web app. Ctrl-C stops it all.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { createDb } from '@chipgate/db';
import { applyMigrations } from '@chipgate/db/migrate';
import { loadCredentialCipher } from '@chipgate/activities/secrets/credential-cipher';
import { chipWorkflowClient } from '@chipgate/workflows/client/chip-client';
import { startMailStandIn } from '../standins/mail';
import { startStripeStandIn } from '../standins/payments/stripe-standin';
import { startSmartproxyStandIn } from '../standins/smartproxy';
import { startWhatsAppStandIn } from '../standins/whatsapp';
import { startDemoPhone } from './demo-phone';
import { createDemoChips, DEMO_LOGINS, seedDemoData } from './demo-seed';
import { loadLocalEnv, localEnvFile } from './local-env';
import { repoRoot, stateDir } from './paths';
import { isPortOpen, waitForPort } from './ports';
import { ensureDatabase, startPostgres } from './postgres';
import { startTemporal, stopChild } from './temporal';

const env = process.env;
const port = (name: string, fallback: number) => {
  const value = Number(env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 1 || value > 65535) throw new Error(`${name} must be a port number (1–65535), got "${env[name]}"`);
  return value;
};
const ports = {
  web: port('CHIPGATE_WEB_PORT', 3000),
  postgres: port('CHIPGATE_PG_PORT', 5433),
  temporal: port('CHIPGATE_TEMPORAL_PORT', 7233),
  temporalUi: port('CHIPGATE_TEMPORAL_UI_PORT', 8233),
  standInProxy: port('STANDIN_PROXY_PORT', 18080),
  standInApi: port('STANDIN_API_PORT', 18081),
  standInEcho: port('STANDIN_ECHO_PORT', 18082),
  stripeStandIn: port('STRIPE_STANDIN_PORT', 18083),
  mailInbox: port('MAIL_STANDIN_INBOX_PORT', 18084),
  mailSmtp: port('MAIL_STANDIN_SMTP_PORT', 18025),
};

const step = (message: string) => console.log(`▸ ${message}`);
const stops: Array<{ name: string; stop: () => Promise<void> }> = [];
let shuttingDown: Promise<never> | undefined;

/** Stops everything in reverse order of start. A second Ctrl-C (or signal) waits for the first. */
function shutdown(code: number): Promise<never> {
  shuttingDown ??= (async () => {
    console.log('\nStopping Chipgate…');
    for (const { name, stop } of stops.reverse()) {
      await stop().catch((err: unknown) => console.error(`  could not stop ${name}: ${String(err)}`));
    }
    process.exit(code);
  })();
  return shuttingDown;
}
// A closed terminal or pipe must not crash the shutdown half-way.
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});
// SIGHUP too: a closed terminal must still stop the detached children (Temporal, worker, web).
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void shutdown(0));
for (const event of ['uncaughtException', 'unhandledRejection'] as const) {
  process.on(event, (err: unknown) => {
    console.error(`✖ ${err instanceof Error ? err.message : String(err)}`);
    void shutdown(1);
  });
}

async function requireFreePort(portNumber: number, what: string, variable: string) {
  if (await isPortOpen(portNumber)) {
    throw new Error(`port ${portNumber} (${what}) is already in use; stop what holds it or set ${variable} to another port`);
  }
}

function startChild(name: string, command: string, args: string[], cwd: string, childEnv: NodeJS.ProcessEnv): ChildProcess {
  // Own process group so a terminal's Ctrl-C reaches it only through our orderly shutdown.
  const child = spawn(command, args, { cwd, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const prefix = (chunk: Buffer) =>
    chunk
      .toString()
      .split('\n')
      .filter((line) => line.trim())
      .map((line) => `  [${name}] ${line}\n`)
      .join('');
  child.stdout?.on('data', (chunk: Buffer) => process.stdout.write(prefix(chunk)));
  child.stderr?.on('data', (chunk: Buffer) => process.stderr.write(prefix(chunk)));
  child.on('exit', (code, signal) => {
    if (!shuttingDown) {
      console.error(`✖ ${name} exited (${signal ?? `code ${code}`}); stopping the stack`);
      void shutdown(1);
    }
  });
  stops.push({ name, stop: () => stopChild(child) });
  return child;
}

async function main() {
  const local = loadLocalEnv();
  const secretKey = env.CHIPGATE_SECRET_KEY ?? local.CHIPGATE_SECRET_KEY!;

  step(env.DATABASE_URL ? 'PostgreSQL: using DATABASE_URL' : `PostgreSQL: embedded, data in ${path.relative(repoRoot, stateDir)}/postgres`);
  if (!env.DATABASE_URL) await requireFreePort(ports.postgres, 'embedded PostgreSQL', 'CHIPGATE_PG_PORT');
  const postgres = await startPostgres({ databaseUrl: env.DATABASE_URL, dataDir: path.join(stateDir, 'postgres'), port: ports.postgres });
  stops.push({ name: 'PostgreSQL', stop: postgres.stop });
  const databaseUrl = env.DATABASE_URL ?? (await ensureDatabase(postgres.serverUrl, 'chipgate'));

  step('Applying migrations');
  applyMigrations(databaseUrl);

  step(env.TEMPORAL_ADDRESS ? `Temporal: using ${env.TEMPORAL_ADDRESS}` : 'Temporal: dev server with Web UI');
  if (!env.TEMPORAL_ADDRESS) {
    await requireFreePort(ports.temporal, 'Temporal frontend', 'CHIPGATE_TEMPORAL_PORT');
    await requireFreePort(ports.temporalUi, 'Temporal Web UI', 'CHIPGATE_TEMPORAL_UI_PORT');
  }
  const temporal = await startTemporal({
    address: env.TEMPORAL_ADDRESS,
    dbFile: path.join(stateDir, 'temporal.sqlite'),
    port: ports.temporal,
    uiPort: ports.temporalUi,
    log: step,
  });
  stops.push({ name: 'Temporal', stop: temporal.stop });

  step('Smartproxy stand-in on loopback (demo provider)');
  const standIn = await startSmartproxyStandIn({
    username: 'chipgate-demo',
    password: local.STANDIN_PASSWORD!,
    apiKey: local.STANDIN_API_KEY!,
    ports: { proxy: ports.standInProxy, api: ports.standInApi, echo: ports.standInEcho },
  });
  stops.push({ name: 'Smartproxy stand-in', stop: () => standIn.close() });

  step('Stripe stand-in on loopback (demo payment provider)');
  const stripe = await startStripeStandIn({
    secretKey: local.STRIPE_SECRET_KEY!,
    webhookSecret: local.STRIPE_WEBHOOK_SECRET!,
    webhookUrl: `http://127.0.0.1:${ports.web}/api/payments/webhook`,
    port: ports.stripeStandIn,
  });
  stops.push({ name: 'Stripe stand-in', stop: () => stripe.close() });

  step('Mail stand-in on loopback (alert and account emails land in its inbox page)');
  const mail = env.SMTP_URL
    ? undefined
    : await startMailStandIn({ username: 'chipgate', password: local.MAIL_STANDIN_PASSWORD!, smtpPort: ports.mailSmtp, inboxPort: ports.mailInbox });
  if (mail) stops.push({ name: 'mail stand-in', stop: () => mail.close() });

  step('WhatsApp stand-in on loopback (chips pair with it and stay connected, instead of WhatsApp)');
  // It speaks WhatsApp's protocol; its phones and linked devices are kept in .chipgate/, so paired
  // demo chips log in again after a restart instead of showing a new QR.
  const whatsapp = env.CHIPGATE_WA_WEBSOCKET_URL ? undefined : await startWhatsAppStandIn({ stateFile: path.join(stateDir, 'whatsapp-standin.json') });
  if (whatsapp) stops.push({ name: 'WhatsApp stand-in', stop: () => whatsapp.close() });

  // Known demo passwords go only into the embedded database, or wherever the operator explicitly asks.
  const demoData = !env.DATABASE_URL || env.CHIPGATE_DEMO_SEED === '1';
  let seeded = false;
  if (demoData) {
    step('Demo data (seeded into a new database only; later runs keep what admins changed)');
    const cipher = loadCredentialCipher({ CHIPGATE_SECRET_KEY: secretKey });
    const db = createDb(databaseUrl);
    ({ seeded } = await seedDemoData(db, cipher, {
      proxyHost: standIn.proxyHost,
      proxyPort: standIn.proxyPort,
      apiBaseUrl: standIn.apiBaseUrl,
      username: 'chipgate-demo',
      password: local.STANDIN_PASSWORD!,
      apiKey: local.STANDIN_API_KEY!,
    }));
    await db.$disconnect();
  } else {
    step('Demo data: not seeded into DATABASE_URL (set CHIPGATE_DEMO_SEED=1 to seed it there)');
  }

  const appEnv: NodeJS.ProcessEnv = {
    ...env,
    DATABASE_URL: databaseUrl,
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_UI_URL: temporal.uiUrl ?? env.TEMPORAL_UI_URL,
    CHIPGATE_SECRET_KEY: secretKey,
    CHIPGATE_IP_ECHO_URL: env.CHIPGATE_IP_ECHO_URL ?? standIn.echoUrl,
    CHIPGATE_WA_WEBSOCKET_URL: env.CHIPGATE_WA_WEBSOCKET_URL ?? whatsapp?.url,
    // The worker trusts the stand-in's certificate key only because the URL above is loopback.
    CHIPGATE_WA_CERT_PUBLIC_KEY: whatsapp ? whatsapp.certificatePublicKey : env.CHIPGATE_WA_CERT_PUBLIC_KEY,
    // Demo chips bill every 30 s so the dashboards move while you watch; production default is 5 min.
    CHIPGATE_METER_INTERVAL_SECONDS: env.CHIPGATE_METER_INTERVAL_SECONDS ?? '30',
    CHIPGATE_APP_URL: env.CHIPGATE_APP_URL ?? `http://127.0.0.1:${ports.web}`,
    SMTP_URL: env.SMTP_URL ?? mail?.smtpUrl,
    CHIPGATE_METRICS_PORT: env.CHIPGATE_METRICS_PORT ?? '9464',
    STRIPE_API_BASE: env.STRIPE_API_BASE ?? stripe.apiBase,
    STRIPE_SECRET_KEY: env.STRIPE_SECRET_KEY ?? local.STRIPE_SECRET_KEY,
    STRIPE_WEBHOOK_SECRET: env.STRIPE_WEBHOOK_SECRET ?? local.STRIPE_WEBHOOK_SECRET,
  };
  const tsx = path.join(repoRoot, 'node_modules', '.bin', 'tsx');
  step('Starting the worker');
  startChild('worker', tsx, [path.join(repoRoot, 'worker', 'src', 'main.ts')], repoRoot, appEnv);

  step('Starting the web app');
  await requireFreePort(ports.web, 'web app', 'CHIPGATE_WEB_PORT');
  const next = path.join(repoRoot, 'node_modules', '.bin', 'next');
  startChild('web', next, ['dev', '--port', String(ports.web), '--hostname', '127.0.0.1'], path.join(repoRoot, 'web'), appEnv);
  await waitForPort(ports.web, 'web app', 120_000);

  const scanAfterSeconds = Number(env.CHIPGATE_DEMO_PAIR_AFTER_SECONDS ?? 8);
  if (whatsapp && scanAfterSeconds > 0) {
    const phoneDb = createDb(databaseUrl);
    const phone = startDemoPhone({ db: phoneDb, whatsapp, scanAfterMs: scanAfterSeconds * 1000, log: step });
    stops.push({
      name: 'demo phone',
      stop: async () => {
        phone.stop();
        await phoneDb.$disconnect();
      },
    });
  }

  if (seeded) {
    step('Starting the demo chips');
    const temporalConnection = await Connection.connect({ address: temporal.address });
    const chipDb = createDb(databaseUrl);
    await createDemoChips(chipDb, chipWorkflowClient(new Client({ connection: temporalConnection })), Number(appEnv.CHIPGATE_METER_INTERVAL_SECONDS));
    await chipDb.$disconnect();
    await temporalConnection.close();
  }

  const width = Math.max(...DEMO_LOGINS.map((l) => l.email.length));
  const logins = DEMO_LOGINS.map((l) => `  ${l.email.padEnd(width)}  ${l.password}  (${l.role === 'ADMIN' ? 'admin' : `${l.plan.toLowerCase()} plan`})`).join('\n');
  console.log(`
Chipgate is up.
  Web app       http://127.0.0.1:${ports.web}
  Temporal UI   ${temporal.uiUrl ?? '(external cluster: see your Temporal UI)'}
  Database      ${env.DATABASE_URL ? 'DATABASE_URL' : `embedded PostgreSQL on 127.0.0.1:${ports.postgres}`}
  Stand-ins     Smartproxy proxy ${standIn.proxyUrl}, API ${standIn.apiBaseUrl}, IP echo ${standIn.echoUrl}
                Stripe API and checkout ${stripe.apiBase}
                Mail inbox ${mail ? mail.inboxUrl : '(SMTP_URL)'}
                WhatsApp ${whatsapp ? `${whatsapp.url}; its phone pairs a chip ${scanAfterSeconds} s after the dashboard shows its QR or code` : '(CHIPGATE_WA_WEBSOCKET_URL)'}
  Secrets       ${path.relative(repoRoot, localEnvFile)} (generated once, git-ignored)

${demoData ? `Demo logins (as seeded; an admin may have changed them since):\n${logins}` : 'No demo logins: this database was not seeded.'}

Ctrl-C stops everything; the next \`npm start\` keeps the data.
`);
}

main().catch(async (err: unknown) => {
  console.error(`\n✖ ${err instanceof Error ? err.message : String(err)}`);
  await shutdown(1);
});
