import { mkdir, writeFile } from 'node:fs/promises';
import type { Client, WorkflowHandle } from '@temporalio/client';
import protos, { type temporal } from '@temporalio/proto';

/**
 * Everything a workflow's history holds as searchable text: payloads are bytes inside protobuf
 * messages, so JSON.stringify alone would hide a leaked secret. Each byte array is decoded as UTF-8.
 */
export async function historyText(handle: WorkflowHandle): Promise<string> {
  const parts: string[] = [];
  const seen = new Set<unknown>();
  const walk = (value: unknown): void => {
    if (value === null || value === undefined || seen.has(value)) return;
    if (value instanceof Uint8Array) {
      parts.push(Buffer.from(value).toString('utf8'));
      return;
    }
    if (typeof value === 'string') {
      parts.push(value);
      return;
    }
    if (typeof value !== 'object') return;
    seen.add(value);
    for (const child of Object.values(value)) walk(child);
  };
  walk(await handle.fetchHistory());
  return parts.join('\n');
}

/**
 * A fixture: the history as protobuf bytes (base64), with its event types listed for reading diffs.
 * Bytes rather than Temporal's JSON form: the SDK's JSON converters (historyToJSON/historyFromJSON)
 * fail in this install, whose @temporalio packages each nest their own protobufjs copy.
 */
function historyFixture(workflowId: string, runId: string, history: temporal.api.history.v1.IHistory) {
  const events = history.events ?? [];
  return {
    workflowId,
    runId,
    events: events.map((e) => E[e.eventType ?? 0]?.replace('EVENT_TYPE_', '') ?? String(e.eventType)),
    history: Buffer.from(protos.temporal.api.history.v1.History.encode(history).finish()).toString('base64'),
  };
}

/** Reads a fixture back as the History object `Worker.runReplayHistories` takes. */
export function fixtureHistory(fixture: { history: string }): temporal.api.history.v1.History {
  return protos.temporal.api.history.v1.History.decode(Buffer.from(fixture.history, 'base64'));
}

/** Where recorded histories live; the replay test (test/unit/workflow-replay.test.ts) replays every file here. */
export const HISTORY_FIXTURES = new URL('../fixtures/histories/', import.meta.url);

/**
 * With CHIPGATE_RECORD_HISTORIES=1, writes the history of every run of `workflowId` (each run's id
 * is stable per fixture: `<name>-<n>.json`) as a replay fixture. Otherwise does nothing: the
 * fixtures in git are what the build before this one wrote, and the replay test holds new code to them.
 */
export async function recordHistories(client: Client, workflowId: string, name: string): Promise<void> {
  if (process.env.CHIPGATE_RECORD_HISTORIES !== '1') return;
  const dir = new URL(`${name.split('/').slice(0, -1).join('/')}/`, HISTORY_FIXTURES);
  await mkdir(dir, { recursive: true });
  const base = name.split('/').at(-1)!;
  let n = 0;
  for await (const execution of client.workflow.list({ query: `WorkflowId = "${workflowId}"` })) {
    const history = await client.workflow.getHandle(workflowId, execution.runId).fetchHistory();
    await writeFile(new URL(`${base}-${++n}.json`, dir), `${JSON.stringify(historyFixture(workflowId, execution.runId, history), null, 1)}\n`);
  }
}

const E = protos.temporal.api.enums.v1.EventType;
/** History events that Temporal bills as an action (heartbeats and queries are billed too but leave no event). */
const BILLED = new Set<number>([
  E.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED,
  E.EVENT_TYPE_TIMER_STARTED,
  E.EVENT_TYPE_MARKER_RECORDED,
  E.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED,
  E.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED,
  E.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES,
  E.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED,
  E.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED,
]);

/**
 * Cuts a run's history into meter ticks, one per fired timer whose tick bills the meter (the chip
 * workflow's meter is its only timer that fires while nothing else happens), and counts each tick's
 * events and billed actions: from the event after one fired timer to the fired timer of the next.
 */
export function tickCosts(events: temporal.api.history.v1.IHistoryEvent[]): Array<{ events: number; actions: number; types: string[] }> {
  const fired = events.flatMap((e, i) => (e.eventType === E.EVENT_TYPE_TIMER_FIRED ? [i] : []));
  const ticks = [];
  for (let k = 0; k + 1 < fired.length; k++) {
    const slice = events.slice(fired[k]!, fired[k + 1]!);
    ticks.push({
      events: slice.length,
      actions: slice.filter((e) => BILLED.has(e.eventType ?? 0)).length,
      types: slice.map((e) => E[e.eventType ?? 0]?.replace('EVENT_TYPE_', '') ?? String(e.eventType)),
    });
  }
  return ticks;
}
