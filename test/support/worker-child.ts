import { spawn, type ChildProcess } from 'node:child_process';
import { repoRoot } from '../stack/paths';

export interface WorkerChild {
  name: string;
  workerId: string;
  child: ChildProcess;
  exited: Promise<void>;
  output(): string;
}

/**
 * `tsx worker/src/main.ts` as its own process, exactly as production starts it, with `env` added to
 * this process's environment. Resolves once it polls, with its worker id (its own task queue).
 */
export async function startWorkerChild(name: string, env: NodeJS.ProcessEnv, children: ChildProcess[]): Promise<WorkerChild> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'worker/src/main.ts'], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  children.push(child);
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const workerId = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker ${name} was not polling within 120 s:\n${output}`)), 120_000);
    child.stdout!.on('data', () => {
      const ready = /worker (\S+) polling/.exec(output);
      if (ready) {
        clearTimeout(timer);
        resolve(ready[1]!);
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`worker ${name} exited (${code ?? signal}) before polling:\n${output}`));
    });
  });
  return { name, workerId, child, exited, output: () => output };
}

/** SIGTERM (the worker's clean stop), then SIGKILL if it has not exited in 30 s. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  await exited;
  clearTimeout(timer);
}

/** Kills every child still running: for `process.once('exit')`, so no worker outlives its test. */
export function killChildren(children: ChildProcess[]): () => void {
  return () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
}
