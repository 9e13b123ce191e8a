import { readFileSync } from 'node:fs';
import { requireDatabaseUrl } from '@chipgate/db';
import { temporalConnectionSettings, type TemporalConnectionSettings } from '@chipgate/workflows/client/temporal-connection';
import { loadAlertConfig, type AlertConfig } from '@chipgate/activities/alerts/index';
import { loadCredentialCipher, type CredentialCipher } from '@chipgate/activities/secrets/credential-cipher';
import { stripeCheckoutFromEnv } from '@chipgate/activities/payments/stripe-checkout';
import { appUrlFromEnv, type TopUpActivityDeps } from '@chipgate/activities/top-ups/top-up-activities';
import { DEFAULT_TASK_QUEUE } from '@chipgate/workflows/task-queues';
import { DEFAULT_MAX_CHIPS } from './bootstrap';
import { assertCertificateOverrideAllowed, parseCertificateKey } from './baileys/whatsapp-certificate';

/** The worker's secrets and outside services, built from the environment once at boot. */
export interface WorkerServices {
  /** CHIPGATE_SECRET_KEY's provider-credential cipher. */
  cipher: CredentialCipher;
  /** SMTP_URL, ALERT_EMAIL_FROM, ALERT_WEBHOOK_URL/SECRET. */
  alerts: AlertConfig;
  /** STRIPE_SECRET_KEY, STRIPE_API_BASE and CHIPGATE_APP_URL. */
  topUps: Omit<TopUpActivityDeps, 'db'>;
}

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
  orphanSweepMinutes: number;
  /** How often the worker looks for chip workflows that ended without releasing a chip it holds (terminated by hand). */
  endedChipCheckSeconds?: number;
  maxChips: number;
  /** How long a worker's lease lives unrenewed (a dead worker's chips move after about this); 15 s unless set. */
  leaseTtlMs?: number;
  /** How often the lease is renewed and other workers' expired leases are looked for; 5 s unless set. */
  leaseRenewMs?: number;
  /** Where Prometheus scrapes this worker (`GET /metrics`); no metrics server when absent. */
  metrics?: { host: string; port: number; token?: string };
  /** Filled by loadWorkerConfig; a caller that builds the config by hand may leave it to startWorkerProcess's env. */
  services?: WorkerServices;
}

function integerSetting(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) throw new Error(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  return value;
}

/** The secrets and services of loadWorkerConfig alone (for callers that build the rest of the config by hand). */
export function loadWorkerServices(env: NodeJS.ProcessEnv = process.env): WorkerServices {
  return collect({
    cipher: () => loadCredentialCipher(env),
    alerts: () => loadAlertConfig(env),
    topUps: () => collect<WorkerServices['topUps']>({ payments: () => stripeCheckoutFromEnv(env), appUrl: () => appUrlFromEnv(env) }),
  });
}

/**
 * Builds every field, gathering each failure's message (each names its variable) into one error, so an
 * operator fixes them all at once rather than one per restart.
 */
function collect<T extends object>(fields: { [K in keyof T]: () => T[K] }): T {
  const problems: string[] = [];
  const out: Partial<T> = {};
  for (const key of Object.keys(fields) as Array<keyof T>) {
    try {
      out[key] = fields[key]();
    } catch (err) {
      if (err instanceof WorkerConfigError) problems.push(...err.problems);
      else problems.push(err instanceof Error ? err.message : String(err));
    }
  }
  if (problems.length > 0) throw new WorkerConfigError(problems);
  return out as T;
}

/** The environment the worker was started with is missing or malforms the settings named in `problems`. */
export class WorkerConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid worker environment:\n- ${problems.join('\n- ')}`);
    this.name = 'WorkerConfigError';
  }
}

function loadIpEchoUrl(env: NodeJS.ProcessEnv): string {
  const ipEchoUrl = env.CHIPGATE_IP_ECHO_URL;
  if (!ipEchoUrl) throw new Error('CHIPGATE_IP_ECHO_URL is not set: give the URL of a "what is my IP" endpoint (JSON {"ip": …} or plain text)');
  if (!/^https?:\/\//.test(ipEchoUrl)) throw new Error(`CHIPGATE_IP_ECHO_URL must be an http(s) URL, got "${ipEchoUrl}"`);
  return ipEchoUrl;
}

function loadTemporalAddress(env: NodeJS.ProcessEnv): string {
  const address = env.TEMPORAL_ADDRESS?.trim();
  if (!address) {
    // A production worker silently polling a local default would look alive while doing nothing.
    if (env.NODE_ENV === 'production') throw new Error('TEMPORAL_ADDRESS is not set: give the Temporal frontend as host:port (required when NODE_ENV=production)');
    return '127.0.0.1:7233';
  }
  if (!/^[^\s/:]+:\d{1,5}$/.test(address) && !/^\[[0-9a-fA-F:]+\]:\d{1,5}$/.test(address)) {
    throw new Error(`TEMPORAL_ADDRESS must be host:port, got "${address}"`);
  }
  return address;
}

/**
 * The worker process's whole environment, read once at boot; every missing or malformed setting is
 * reported together, each message naming its variable.
 */
export function loadWorkerConfig(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  const { settings, services } = collect({ settings: () => loadSettings(env), services: () => loadWorkerServices(env) });
  return { ...settings, services };
}

function loadSettings(env: NodeJS.ProcessEnv): Omit<WorkerConfig, 'services'> {
  const { databaseUrl, temporalAddress, ipEchoUrl, temporalSecurity } = collect({
    databaseUrl: () => requireDatabaseUrl(env),
    temporalAddress: () => loadTemporalAddress(env),
    ipEchoUrl: () => loadIpEchoUrl(env),
    // TLS / mTLS / API key (the address is TEMPORAL_ADDRESS above, required in production).
    temporalSecurity: () => {
      const { address: _address, ...security } = temporalConnectionSettings(env, (path) => readFileSync(path));
      return security;
    },
  });
  const waWebSocketUrl = env.CHIPGATE_WA_WEBSOCKET_URL || undefined;
  const certificateKey = env.CHIPGATE_WA_CERT_PUBLIC_KEY || undefined;
  if (certificateKey !== undefined) assertCertificateOverrideAllowed(waWebSocketUrl);
  return {
    databaseUrl,
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
    orphanSweepMinutes: integerSetting(env, 'CHIPGATE_ORPHAN_SWEEP_MINUTES', 15, 1, 1440),
    endedChipCheckSeconds: integerSetting(env, 'CHIPGATE_ENDED_CHIP_CHECK_SECONDS', 60, 1, 3600),
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
