import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { waitForPort } from './ports';

/** Go module of the Temporal CLI. Later versions carry a go.mod `replace`, which `go install mod@v` refuses. */
const TEMPORAL_CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal@v1.5.1';

/** Custom search attributes the chip workflows set, so operators can filter chips in the Temporal UI. */
export const CHIP_SEARCH_ATTRIBUTES = { ChipgateUserId: 'Keyword', ChipgateChipId: 'Keyword', ChipgateChipStatus: 'Keyword' } as const;

function onPath(command: string): string | undefined {
  const found = spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' });
  return found.status === 0 ? found.stdout.trim() : undefined;
}

function goBinDir(go: string): string {
  const gobin = spawnSync(go, ['env', 'GOBIN'], { encoding: 'utf8' }).stdout.trim();
  if (gobin) return gobin;
  return path.join(spawnSync(go, ['env', 'GOPATH'], { encoding: 'utf8' }).stdout.trim(), 'bin');
}

/** The `temporal` CLI: from TEMPORAL_CLI, the PATH, Go's bin folder, or built from the Go module proxy. */
export function ensureTemporalCli(log: (line: string) => void = console.log): string {
  const configured = process.env.TEMPORAL_CLI;
  if (configured) {
    if (!fs.existsSync(configured)) throw new Error(`TEMPORAL_CLI points at ${configured}, which does not exist`);
    return configured;
  }
  const fromPath = onPath('temporal');
  if (fromPath) return fromPath;
  const go = onPath('go') ?? (fs.existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined);
  if (!go) {
    throw new Error(
      'The Temporal CLI is not installed and Go is not available to build it. Either install Go (https://go.dev/dl) ' +
        `so that \`go install ${TEMPORAL_CLI_MODULE}\` can run, put a \`temporal\` binary on the PATH (or set TEMPORAL_CLI), ` +
        'or set TEMPORAL_ADDRESS to an existing Temporal cluster.',
    );
  }
  const built = path.join(goBinDir(go), 'temporal');
  if (fs.existsSync(built)) return built;
  log(`Building the Temporal CLI with \`go install ${TEMPORAL_CLI_MODULE}\` (first run only; several minutes on 2 cores)…`);
  const result = spawnSync(go, ['install', TEMPORAL_CLI_MODULE], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.status !== 0 || !fs.existsSync(built)) {
    throw new Error(`\`go install ${TEMPORAL_CLI_MODULE}\` failed (exit ${result.status}); see the output above`);
  }
  return built;
}

export interface RunningTemporal {
  address: string;
  uiUrl?: string;
  stop(): Promise<void>;
}

/** The TEMPORAL_ADDRESS cluster when given; otherwise a Temporal dev server (SQLite file, Web UI). */
export async function startTemporal(opts: {
  address?: string;
  dbFile?: string;
  port: number;
  uiPort?: number;
  log?: (line: string) => void;
}): Promise<RunningTemporal> {
  if (opts.address) return { address: opts.address, stop: async () => {} };
  const cli = ensureTemporalCli(opts.log);
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(opts.port), '--log-level', 'error'];
  if (opts.dbFile) {
    fs.mkdirSync(path.dirname(opts.dbFile), { recursive: true });
    args.push('--db-filename', opts.dbFile);
  }
  if (opts.uiPort) args.push('--ui-port', String(opts.uiPort), '--ui-ip', '127.0.0.1');
  else args.push('--headless');
  for (const [name, type] of Object.entries(CHIP_SEARCH_ATTRIBUTES)) args.push('--search-attribute', `${name}=${type}`);
  const child: ChildProcess = spawn(cli, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`temporal server start-dev exited (code ${code}):\n${output}`))),
  );
  await Promise.race([waitForPort(opts.port, 'Temporal dev server', 60_000), exited]);
  if (opts.uiPort) await Promise.race([waitForPort(opts.uiPort, 'Temporal Web UI', 60_000), exited]);
  exited.catch(() => {});
  return {
    address: `127.0.0.1:${opts.port}`,
    uiUrl: opts.uiPort ? `http://127.0.0.1:${opts.uiPort}` : undefined,
    stop: () => stopChild(child),
  };
}

/**
 * Stops a child started with `detached: true` together with its process group (next dev and tsx
 * start their own children), forcefully after a grace period.
 */
export async function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const done = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, name);
    } catch {
      child.kill(name);
    }
  };
  signal('SIGTERM');
  const timer = setTimeout(() => signal('SIGKILL'), graceMs);
  await done;
  clearTimeout(timer);
}
