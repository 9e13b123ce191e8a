// Brings a fresh clone to a runnable state: installs dependencies when they are missing or older
// than the lockfile, and generates the Prisma client when it is missing or older than the schema.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const mtime = (p) => (fs.existsSync(p) ? fs.statSync(p).mtimeMs : 0);

function run(command, args, cwd = root, env = process.env) {
  const result = spawnSync(command, args, { cwd, env, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`\n✖ \`${command} ${args.join(' ')}\` failed (exit ${result.status})`);
    process.exit(result.status ?? 1);
  }
}

const installed = path.join(root, 'node_modules', '.package-lock.json');
if (mtime(installed) < mtime(path.join(root, 'package-lock.json'))) {
  console.log('Installing dependencies (npm ci)…');
  run('npm', ['ci', '--no-audit', '--no-fund']);
}

const generated = path.join(root, 'prisma', 'generated', 'client', 'client.ts');
if (mtime(generated) < mtime(path.join(root, 'prisma', 'schema.prisma'))) {
  console.log('Generating the Prisma client…');
  // Prisma reads the schema's datasource URL even to generate; without one it falls back to
  // downloading a native engine, which these machines cannot reach. Generation never connects.
  const env = { ...process.env, DATABASE_URL: process.env.DATABASE_URL ?? 'postgresql://generate@127.0.0.1/generate' };
  run('npx', ['--no-install', 'prisma', 'generate'], path.join(root, 'prisma'), env);
}
