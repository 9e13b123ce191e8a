import { readFileSync } from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import { temporalConnectionSettings } from '@chipgate/workflows/client/temporal-connection';
import { chipWorkflowId } from '@chipgate/workflows/chip/contract';
import { webEnv } from './env';

const globalForTemporal = globalThis as typeof globalThis & { chipgateTemporal?: Promise<Client> };

/**
 * One Temporal client per web process, connected on first use (pages that never touch Temporal
 * work while it is down). A failed connection is not cached, so the next call retries.
 */
export function temporalClient(): Promise<Client> {
  globalForTemporal.chipgateTemporal ??= (async () => {
    // Address and namespace from the boot-checked environment; TLS / mTLS / API key as documented in
    // workflows/src/client/temporal-connection.ts (checked at boot too).
    const { TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: namespace } = webEnv();
    const settings = temporalConnectionSettings(process.env, (path) => readFileSync(path));
    const connection = await Connection.connect({ ...settings, address, connectTimeout: '5 seconds' });
    return new Client({ connection, namespace });
  })().catch((err: unknown) => {
    globalForTemporal.chipgateTemporal = undefined;
    throw err;
  });
  return globalForTemporal.chipgateTemporal;
}

/** The chip's workflow in the Temporal Web UI, when TEMPORAL_UI_URL is configured. */
export function chipWorkflowUrl(chipId: string): string | null {
  const { TEMPORAL_UI_URL: base, TEMPORAL_NAMESPACE: namespace } = webEnv();
  if (!base) return null;
  return `${base}/namespaces/${encodeURIComponent(namespace)}/workflows/${chipWorkflowId(chipId)}`;
}
