/**
 * How web and worker reach Temporal, from their environment (read by each process's boot code, passed
 * here). Without TLS anyone who reaches the frontend port can start, signal and terminate workflows, so
 * production sets TLS (and mTLS client certificates, or an API key, as the cluster requires):
 *
 * - TEMPORAL_TLS=true: TLS with the system's root certificates;
 * - TEMPORAL_TLS_SERVER_CA_FILE: PEM of the CA that signed the server's certificate (implies TLS);
 * - TEMPORAL_TLS_SERVER_NAME: the name to check the server's certificate against, when not the address's host;
 * - TEMPORAL_TLS_CLIENT_CERT_FILE + TEMPORAL_TLS_CLIENT_KEY_FILE: the client certificate for mTLS (both or neither; implies TLS);
 * - TEMPORAL_API_KEY: an API key (Temporal Cloud), sent as a bearer token over TLS (implies TLS).
 */
export interface TemporalTlsSettings {
  serverNameOverride?: string;
  serverRootCACertificate?: Buffer;
  clientCertPair?: { crt: Buffer; key: Buffer };
}

/** The options `Connection.connect` and `NativeConnection.connect` both take. */
export interface TemporalConnectionSettings {
  address: string;
  tls?: TemporalTlsSettings;
  apiKey?: string;
}

type Env = Record<string, string | undefined>;

export function temporalConnectionSettings(env: Env, readFile: (path: string) => Buffer): TemporalConnectionSettings {
  const value = (name: string) => env[name]?.trim() || undefined;
  const file = (name: string) => {
    const path = value(name);
    if (!path) return undefined;
    try {
      return readFile(path);
    } catch (err) {
      throw new Error(`${name}: cannot read ${path}: ${(err as Error).message}`);
    }
  };
  const flag = value('TEMPORAL_TLS');
  if (flag !== undefined && flag !== 'true' && flag !== 'false') throw new Error(`TEMPORAL_TLS must be true or false, got "${flag}"`);
  const ca = file('TEMPORAL_TLS_SERVER_CA_FILE');
  const crt = file('TEMPORAL_TLS_CLIENT_CERT_FILE');
  const key = file('TEMPORAL_TLS_CLIENT_KEY_FILE');
  if (Boolean(crt) !== Boolean(key)) throw new Error('TEMPORAL_TLS_CLIENT_CERT_FILE and TEMPORAL_TLS_CLIENT_KEY_FILE go together: set both for mTLS, or neither');
  const serverName = value('TEMPORAL_TLS_SERVER_NAME');
  const apiKey = value('TEMPORAL_API_KEY');
  if (flag === 'false' && (ca || crt || serverName || apiKey)) throw new Error('TEMPORAL_TLS=false contradicts the other TEMPORAL_TLS_* / TEMPORAL_API_KEY settings');
  const useTls = flag === 'true' || Boolean(ca || crt || serverName || apiKey);
  const tls: TemporalTlsSettings = {
    ...(serverName && { serverNameOverride: serverName }),
    ...(ca && { serverRootCACertificate: ca }),
    ...(crt && key && { clientCertPair: { crt, key } }),
  };
  return { address: value('TEMPORAL_ADDRESS') ?? '127.0.0.1:7233', ...(useTls && { tls }), ...(apiKey && { apiKey }) };
}

/** For logs: how the connection is secured, never the key or certificates. */
export function describeTemporalSecurity(settings: TemporalConnectionSettings): string {
  if (!settings.tls) return 'plaintext (no TLS)';
  const parts = ['TLS', settings.tls.clientCertPair && 'mTLS client certificate', settings.apiKey && 'API key'].filter(Boolean);
  return parts.join(' + ');
}
