// `npm test`: installs what is missing, lints, type-checks, then runs every test against a real
// PostgreSQL and a real Temporal dev server started for the run.
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const bin = (name) => path.join(root, 'node_modules', '.bin', name);

function run(label, command, args) {
  console.log(`\n▸ ${label}`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`✖ ${label} failed`);
    process.exit(result.status ?? 1);
  }
}

run('install', process.execPath, [path.join(root, 'scripts', 'ensure-install.mjs')]);
run('lint', bin('eslint'), ['.', '--max-warnings', '0']);
run('typecheck', bin('turbo'), ['run', 'typecheck', '--output-logs=errors-only']);
run('tests', bin('tsx'), [path.join(root, 'test', 'stack', 'run-tests.ts'), ...process.argv.slice(2)]);
