// Replays workflow histories recorded from the integration tests (test/fixtures/histories/) against
// the workflow code of this build. A change that would make a running chip's history
// non-deterministic (a new activity, timer or signal where the old code had none, a reordered
// step, a default merged differently) fails here, in CI, before it reaches a running fleet.
// Re-record after an intended, versioned change: CHIPGATE_RECORD_HISTORIES=1 npm test -- chip-commands chip-lifecycle
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { bundleWorkflowCode, Runtime, DefaultLogger, Worker } from '@temporalio/worker';
import { fixtureHistory, HISTORY_FIXTURES } from '../support/history';

const require = createRequire(import.meta.url);

async function fixtures(dir: URL): Promise<Array<{ file: string; workflowId: string; runId: string; history: ReturnType<typeof fixtureHistory> }>> {
  const found = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) found.push(...(await fixtures(new URL(`${entry.name}/`, dir))));
    else if (entry.name.endsWith('.json')) {
      const fixture = JSON.parse(await readFile(new URL(entry.name, dir), 'utf8')) as { workflowId: string; runId: string; history: string };
      found.push({ file: new URL(entry.name, dir).pathname, workflowId: fixture.workflowId, runId: fixture.runId, history: fixtureHistory(fixture) });
    }
  }
  return found;
}

describe('recorded workflow histories replay against this build', () => {
  it('replays every fixture without a determinism error', { timeout: 180_000 }, async () => {
    Runtime.install({ logger: new DefaultLogger('WARN') });
    const all = await fixtures(HISTORY_FIXTURES);
    assert.ok(all.length >= 4, `expected recorded histories in ${HISTORY_FIXTURES.pathname}, found ${all.length}`);
    const workflowBundle = await bundleWorkflowCode({ workflowsPath: require.resolve('@chipgate/workflows'), logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error: (m: string) => console.error(m) } });
    const failures: string[] = [];
    let replayed = 0;
    const byRun = new Map(all.map((f) => [f.runId, f.file]));
    for await (const result of Worker.runReplayHistories({ workflowBundle, replayName: 'fixtures' }, all.map(({ workflowId, history }) => ({ workflowId, history })))) {
      replayed++;
      if (result.error) failures.push(`${byRun.get(result.runId) ?? result.workflowId}: ${result.error.message}`);
    }
    assert.equal(replayed, all.length);
    assert.deepEqual(failures, [], 'every recorded history replays');
  });
});
