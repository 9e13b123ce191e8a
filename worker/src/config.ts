import { requireDatabaseUrl } from '@chipgate/db';

export interface WorkerConfig {
  databaseUrl: string;
  temporalAddress: string;
  temporalNamespace: string;
  taskQueue: string;
  /** A "what is my IP" endpoint reached through proxies to learn their exit address. */
  ipEchoUrl: string;
}

export function loadWorkerConfig(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  const ipEchoUrl = env.CHIPGATE_IP_ECHO_URL;
  if (!ipEchoUrl) throw new Error('CHIPGATE_IP_ECHO_URL is not set: give the URL of a "what is my IP" endpoint (JSON {"ip": …} or plain text)');
  if (!/^https?:\/\//.test(ipEchoUrl)) throw new Error(`CHIPGATE_IP_ECHO_URL must be an http(s) URL, got "${ipEchoUrl}"`);
  return {
    databaseUrl: requireDatabaseUrl(env),
    temporalAddress: env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233',
    temporalNamespace: env.TEMPORAL_NAMESPACE ?? 'default',
    taskQueue: env.CHIPGATE_TASK_QUEUE ?? 'chipgate',
    ipEchoUrl,
  };
}
