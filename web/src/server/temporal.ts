import { Client, Connection } from '@temporalio/client';
import { chipWorkflowId } from '@chipgate/workflows/chip/contract';

const globalForTemporal = globalThis as typeof globalThis & { chipgateTemporal?: Promise<Client> };

/**
 * One Temporal client per web process, connected on first use (pages that never touch Temporal
 * work while it is down). A failed connection is not cached, so the next call retries.
 */
export function temporalClient(): Promise<Client> {
  globalForTemporal.chipgateTemporal ??= (async () => {
    const address = process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233';
    const connection = await Connection.connect({ address, connectTimeout: '5 seconds' });
    return new Client({ connection, namespace: process.env.TEMPORAL_NAMESPACE ?? 'default' });
  })().catch((err: unknown) => {
    globalForTemporal.chipgateTemporal = undefined;
    throw err;
  });
  return globalForTemporal.chipgateTemporal;
}

/** The chip's workflow in the Temporal Web UI, when TEMPORAL_UI_URL is configured. */
export function chipWorkflowUrl(chipId: string): string | null {
  const base = process.env.TEMPORAL_UI_URL?.replace(/\/+$/, '');
  if (!base) return null;
  const namespace = process.env.TEMPORAL_NAMESPACE ?? 'default';
  return `${base}/namespaces/${encodeURIComponent(namespace)}/workflows/${chipWorkflowId(chipId)}`;
}
