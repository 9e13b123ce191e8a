// The Next.js web app as a child process: `next dev`, or `next build` into a scratch folder then `next start`.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../stack/paths';
import { waitForPort } from '../stack/ports';
import { stopChild } from '../stack/temporal';

export const webDir = path.join(repoRoot, 'web');

export type NextMode = 'dev' | 'start';

export interface WebApp {
  url: string;
  /** The tail of next's output, for failure messages. */
  logTail(): string;
  stop(): Promise<void>;
}

/** Children still running when this process exits (a crash, a hard timeout) are killed with their groups. */
const liveChildren = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of liveChildren) {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

/** Next's output, written whole to a log file and its last lines kept for failure messages. */
export interface NextOutput {
  log: fs.WriteStream;
  tail: string[];
}

export function nextOutput(logFile: string): NextOutput {
  return { log: fs.createWriteStream(logFile), tail: [] };
}

export function spawnNext(args: string[], env: NodeJS.ProcessEnv, { log, tail }: NextOutput): ChildProcess {
  const child = spawn(process.execPath, [path.join(repoRoot, 'node_modules', 'next', 'dist', 'bin', 'next'), ...args], {
    cwd: webDir,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group: next starts workers of its own, and stopChild signals the whole group.
    detached: true,
  });
  liveChildren.add(child);
  child.once('exit', () => liveChildren.delete(child));
  const keep = (chunk: Buffer) => {
    log.write(chunk);
    tail.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    tail.splice(0, Math.max(0, tail.length - 40));
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  return child;
}

/**
 * A build folder of its own (inside the git-ignored test-artifacts/), so it never shares .next/ with
 * another `next dev` or `next build` on web/. Next rewrites the (git-ignored) web/next-env.d.ts to
 * point at it; `remove` puts back what was there before.
 */
export function scratchDistDir(name: string): { env: NodeJS.ProcessEnv; remove(): void } {
  const distDir = path.join(repoRoot, 'test-artifacts', `${name}-${process.pid}`);
  const nextEnvFile = path.join(webDir, 'next-env.d.ts');
  const nextEnvBefore = fs.existsSync(nextEnvFile) ? fs.readFileSync(nextEnvFile, 'utf8') : null;
  return {
    env: { CHIPGATE_NEXT_DIST_DIR: path.relative(webDir, distDir), NEXT_TELEMETRY_DISABLED: '1' },
    remove() {
      fs.rmSync(distDir, { recursive: true, force: true });
      if (nextEnvBefore !== null) fs.writeFileSync(nextEnvFile, nextEnvBefore);
    },
  };
}

/** `next build` with `env` (which names the dist dir); throws with next's last lines when it fails. */
export async function buildNext(env: NodeJS.ProcessEnv, output: NextOutput): Promise<void> {
  const started = Date.now();
  const build = spawnNext(['build'], env, output);
  const code = await new Promise<number | null>((resolve) => build.once('exit', resolve));
  if (code !== 0) throw new Error(`next build failed (exit ${code}):\n${output.tail.join('\n')}`);
  console.log(`next build took ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/** `next <mode>` on `port`, resolved once it listens; with mode `start`, built first into a scratch folder. */
export async function startWebApp(opts: { mode: NextMode; port: number; env: NodeJS.ProcessEnv; artifacts: string }): Promise<WebApp> {
  const dist = scratchDistDir('next-e2e');
  const env: NodeJS.ProcessEnv = { ...opts.env, ...dist.env };
  const logFile = path.join(opts.artifacts, `next-${opts.mode}.log`);
  const output = nextOutput(logFile);
  let child: ChildProcess | undefined;

  const stop = async () => {
    if (child) await stopChild(child);
    await new Promise<void>((resolve) => output.log.end(resolve));
    dist.remove();
  };

  try {
    if (opts.mode === 'start') await buildNext(env, output);
    const started = Date.now();
    child = spawnNext([opts.mode, '--port', String(opts.port), '--hostname', '127.0.0.1'], env, output);
    const exited = new Promise<never>((_, reject) =>
      child!.once('exit', (code) => reject(new Error(`next ${opts.mode} exited (${code}) before it listened:\n${output.tail.join('\n')}`))),
    );
    exited.catch(() => {});
    await Promise.race([waitForPort(opts.port, `next ${opts.mode}`, 120_000), exited]);
    console.log(`next ${opts.mode} listening after ${((Date.now() - started) / 1000).toFixed(1)} s (log: ${logFile})`);
  } catch (err) {
    await stop();
    throw err;
  }
  return { url: `http://127.0.0.1:${opts.port}`, logTail: () => output.tail.join('\n'), stop };
}
