import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { requireDatabaseUrl } from './database-url';

const prismaDir = path.resolve(import.meta.dirname, '..');

/**
 * Applies every committed migration under prisma/migrations to DATABASE_URL; a no-op when the
 * database is already current. Runs Prisma's own `migrate deploy` so the bookkeeping table is Prisma's.
 */
export function applyMigrations(databaseUrl: string = requireDatabaseUrl()): void {
  const result = spawnSync('npx', ['--no-install', 'prisma', 'migrate', 'deploy'], {
    cwd: prismaDir,
    env: { ...process.env, DATABASE_URL: databaseUrl, PRISMA_HIDE_UPDATE_MESSAGE: '1' },
    encoding: 'utf8',
  });
  if (result.status !== 0) {
    throw new Error(`prisma migrate deploy failed:\n${result.stdout}\n${result.stderr}`);
  }
}

export function generateClient(): void {
  const result = spawnSync('npx', ['--no-install', 'prisma', 'generate'], {
    cwd: prismaDir,
    env: { ...process.env, DATABASE_URL: process.env.DATABASE_URL ?? 'postgresql://unused@127.0.0.1/unused', PRISMA_HIDE_UPDATE_MESSAGE: '1' },
    encoding: 'utf8',
  });
  if (result.status !== 0) {
    throw new Error(`prisma generate failed:\n${result.stdout}\n${result.stderr}`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  applyMigrations();
  console.log('migrations applied');
}
