// `npm test`: installs what is missing, lints, type-checks, then runs every test against a real
// PostgreSQL and a real Temporal dev server started for the run.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
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

/** The browser the end-to-end test drives (test/e2e): Debian's `chromium` package. */
const CHROMIUM = '/usr/bin/chromium';

/** Installs Debian's chromium when it is missing and this is root with apt-get; otherwise stops saying what to install. */
function ensureChromium() {
  if (fs.existsSync(CHROMIUM)) return;
  console.log(`\n▸ browser: ${CHROMIUM} is missing (the end-to-end test drives it)`);
  const hasAptGet = spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0;
  const isRoot = process.getuid?.() === 0;
  if (hasAptGet && isRoot) {
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    for (const args of [['update'], ['install', '-y', 'chromium']]) {
      console.log(`  running: apt-get ${args.join(' ')}`);
      const result = spawnSync('apt-get', args, { cwd: root, env, stdio: 'inherit' });
      if (result.status !== 0) {
        console.log(`  apt-get ${args.join(' ')} failed (exit ${result.status ?? result.signal})`);
        break;
      }
    }
    if (fs.existsSync(CHROMIUM)) {
      console.log(`  installed ${CHROMIUM}`);
      return;
    }
  }
  const why = !hasAptGet ? 'apt-get is not available' : !isRoot ? 'installing needs root' : 'apt-get could not install it';
  console.error(
    `✖ The end-to-end test needs Chromium at ${CHROMIUM}, and ${why}. Install the Debian package \`chromium\` ` +
      '(`sudo apt-get install chromium`), then run `npm test` again.',
  );
  process.exit(1);
}

run('install', process.execPath, [path.join(root, 'scripts', 'ensure-install.mjs')]);
ensureChromium();
run('lint', bin('eslint'), ['.', '--max-warnings', '0']);
run('typecheck', bin('turbo'), ['run', 'typecheck', '--output-logs=errors-only']);
run('tests', bin('tsx'), [path.join(root, 'test', 'stack', 'run-tests.ts'), ...process.argv.slice(2)]);
