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

if (import.meta.url === `file://${process.argv[1]}`) {
  applyMigrations();
  console.log('migrations applied');
}
