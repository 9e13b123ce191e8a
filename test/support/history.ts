import type { WorkflowHandle } from '@temporalio/client';

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
