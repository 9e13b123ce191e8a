// `npm start`: the whole product on an embedded default. Plain JS so it runs before anything is installed.
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const prepared = spawnSync(process.execPath, [path.join(root, 'scripts', 'ensure-install.mjs')], { stdio: 'inherit' });
if (prepared.status !== 0) process.exit(prepared.status ?? 1);

const stack = spawn(path.join(root, 'node_modules', '.bin', 'tsx'), [path.join(root, 'test', 'stack', 'start.ts')], { cwd: root, stdio: 'inherit' });
// Ctrl-C reaches the whole process group; the stack shuts itself down and we only wait for it.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => stack.kill(signal));
stack.on('exit', (code, signal) => process.exit(code ?? (signal ? 130 : 1)));
