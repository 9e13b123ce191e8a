import { readFileSync } from 'node:fs';
import { requireDatabaseUrl } from '@chipgate/db';
import { temporalConnectionSettings, type TemporalConnectionSettings } from '@chipgate/workflows/client/temporal-connection';
import { DEFAULT_TASK_QUEUE } from '@chipgate/workflows/task-queues';
import { DEFAULT_MAX_CHIPS } from './bootstrap';
import { assertCertificateOverrideAllowed, parseCertificateKey } from './baileys/whatsapp-certificate';

export interface WorkerConfig {
  databaseUrl: string;
  temporalAddress: string;
  /** TLS / mTLS / API key for Temporal (TEMPORAL_TLS*, TEMPORAL_API_KEY); none for the dev server. */
  temporalSecurity?: Omit<TemporalConnectionSettings, 'address'>;
  temporalNamespace: string;
  taskQueue: string;
  /** A "what is my IP" endpoint reached through proxies to learn their exit address. */
  ipEchoUrl: string;
  /** Where chips' Baileys sockets connect; unset means WhatsApp's own servers. */
  waWebSocketUrl?: string;
  /**
   * The root key Baileys trusts in the Noise handshake instead of WhatsApp's: a local stand-in's,
   * accepted only with a loopback `waWebSocketUrl`.
   */
  waCertificateKey?: Buffer;
  /** Baileys' keep-alive ping interval (WhatsApp Web's 30 s unless compressed for tests). */
  waKeepAliveMs?: number;
  gatewayHost: string;
  gatewayPort: number;
  counterFlushMs: number;
  healthCheckMinutes: number;
  reconcileMinutes: number;
  maxChips: number;
  /** How long a worker's lease lives unrenewed (a dead worker's chips move after about this); 15 s unless set. */
  leaseTtlMs?: number;
  /** How often the lease is renewed and other workers' expired leases are looked for; 5 s unless set. */
  leaseRenewMs?: number;
  /** Where Prometheus scrapes this worker (`GET /metrics`); no metrics server when absent. */
  metrics?: { host: string; port: number; token?: string };
}

function integerSetting(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) throw new Error(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  return value;
}

export function loadWorkerConfig(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  const ipEchoUrl = env.CHIPGATE_IP_ECHO_URL;
  if (!ipEchoUrl) throw new Error('CHIPGATE_IP_ECHO_URL is not set: give the URL of a "what is my IP" endpoint (JSON {"ip": …} or plain text)');
  if (!/^https?:\/\//.test(ipEchoUrl)) throw new Error(`CHIPGATE_IP_ECHO_URL must be an http(s) URL, got "${ipEchoUrl}"`);
  const waWebSocketUrl = env.CHIPGATE_WA_WEBSOCKET_URL || undefined;
  const certificateKey = env.CHIPGATE_WA_CERT_PUBLIC_KEY || undefined;
  if (certificateKey !== undefined) assertCertificateOverrideAllowed(waWebSocketUrl);
  const { address: temporalAddress, ...temporalSecurity } = temporalConnectionSettings(env, (path) => readFileSync(path));
  return {
    databaseUrl: requireDatabaseUrl(env),
    temporalAddress,
    temporalSecurity,
    temporalNamespace: env.TEMPORAL_NAMESPACE ?? 'default',
    taskQueue: env.CHIPGATE_TASK_QUEUE ?? DEFAULT_TASK_QUEUE,
    ipEchoUrl,
    waWebSocketUrl,
    ...(certificateKey !== undefined ? { waCertificateKey: parseCertificateKey(certificateKey) } : {}),
    waKeepAliveMs: integerSetting(env, 'CHIPGATE_WA_KEEPALIVE_MS', 30_000, 500, 600_000),
    gatewayHost: env.CHIPGATE_GATEWAY_HOST ?? '127.0.0.1',
    gatewayPort: integerSetting(env, 'CHIPGATE_GATEWAY_PORT', 0, 0, 65535),
    counterFlushMs: integerSetting(env, 'CHIPGATE_COUNTER_FLUSH_MS', 5000, 200, 300_000),
    healthCheckMinutes: integerSetting(env, 'CHIPGATE_HEALTH_CHECK_MINUTES', 5, 1, 1440),
    reconcileMinutes: integerSetting(env, 'CHIPGATE_RECONCILE_MINUTES', 60, 5, 10_080),
    maxChips: integerSetting(env, 'CHIPGATE_MAX_CHIPS_PER_WORKER', DEFAULT_MAX_CHIPS, 1, 100_000),
    leaseTtlMs: integerSetting(env, 'CHIPGATE_WORKER_LEASE_TTL_MS', 15_000, 3_000, 600_000),
    leaseRenewMs: integerSetting(env, 'CHIPGATE_WORKER_LEASE_RENEW_MS', 5_000, 500, 60_000),
    // Off unless a port is given: several workers on one box each need their own.
    ...(env.CHIPGATE_METRICS_PORT
      ? {
          metrics: {
            host: env.CHIPGATE_METRICS_HOST || '127.0.0.1',
            port: integerSetting(env, 'CHIPGATE_METRICS_PORT', 0, 1, 65535),
            ...(env.CHIPGATE_METRICS_TOKEN ? { token: env.CHIPGATE_METRICS_TOKEN } : {}),
          },
        }
      : {}),
  };
}
