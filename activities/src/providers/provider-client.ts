/**
 * Talking to a provider: its proxy (connection test) and its HTTP APIs (IP extraction, account
 * usage). Every message names the provider and what to do; none carries a password, API key or
 * proxy URL, because these results end up in workflow history and in the dashboard.
 */
import { isIP } from 'node:net';
import { Agent, request, type Dispatcher } from 'undici';
import { BYTES_PER_GB } from '@chipgate/workflows/rules/bytes';
import type { FailureBlame } from '@chipgate/workflows/rules/proxy-health-verdict';
import { buildProxyUrl, createProxyDispatcher, type ResolvedProvider } from './proxy-endpoint';

const DEFAULT_TEST_TIMEOUT_MS = 10_000;
const DEFAULT_API_TIMEOUT_MS = 15_000;

export class ProviderError extends Error {
  constructor(
    readonly providerName: string,
    message: string,
  ) {
    super(message);
  }
}

/** The provider refused our credentials or API key; retrying will not help. */
export class ProviderAuthError extends ProviderError {
  override name = 'ProviderAuthError';
}

/** The provider only serves allow-listed source IPs and this server's is not on the list. */
export class ProviderAllowListError extends ProviderError {
  override name = 'ProviderAllowListError';
}

/** The provider answered with an error of its own (quoted in the message). */
export class ProviderApiError extends ProviderError {
  override name = 'ProviderApiError';
}

/** The provider answered something we cannot read: wrong status, not JSON, a malformed entry. */
export class ProviderResponseError extends ProviderError {
  override name = 'ProviderResponseError';
}

/** The provider could not be reached, or did not answer in time; worth retrying later. */
export class ProviderUnreachableError extends ProviderError {
  override name = 'ProviderUnreachableError';
}

/** The provider record lacks what the call needs (API base URL, API key). */
export class ProviderConfigError extends ProviderError {
  override name = 'ProviderConfigError';
}

export type ConnectionFailureReason = 'auth_refused' | 'unreachable' | 'timeout' | 'bad_response' | 'not_a_proxy';

export type ConnectionTestResult =
  | { ok: true; exitIp: string; latencyMs: number }
  | { ok: false; reason: ConnectionFailureReason; blame: FailureBlame; message: string };

export interface ConnectionTestOptions {
  /** A "what is my IP" endpoint: answers `{"ip":…}`, `{"proxy":{"ip":…}}` or the bare IP as text. */
  echoUrl: string;
  /** Tests the sticky username for this session; without it, the rotating (plain) username. */
  sessionId?: string;
  timeoutMs?: number;
  /** This server's own public IP: an exit IP equal to it means traffic was not proxied. */
  directIp?: string;
}

export async function testConnection(
  provider: ResolvedProvider,
  { echoUrl, sessionId, timeoutMs = DEFAULT_TEST_TIMEOUT_MS, directIp }: ConnectionTestOptions,
): Promise<ConnectionTestResult> {
  const who = `Provider "${provider.name}"`;
  const dispatcher = createProxyDispatcher(buildProxyUrl(provider, sessionId), { connectTimeoutMs: timeoutMs });
  const started = performance.now();
  let answer: { status: number; text: string };
  try {
    answer = await getWithin(echoUrl, dispatcher, timeoutMs);
  } catch (error) {
    return { ok: false, ...proxyFailure(provider, error, timeoutMs) };
  }
  const latencyMs = Math.round(performance.now() - started);

  if (answer.status < 200 || answer.status > 299) {
    return { ok: false, reason: 'bad_response', blame: 'target', message: `${who} reached the IP echo service, which answered HTTP ${answer.status}` };
  }
  const exitIp = echoedIp(answer.text);
  if (exitIp === null) {
    return { ok: false, reason: 'bad_response', blame: 'target', message: `${who} reached the IP echo service, but its answer holds no IP address` };
  }
  if (directIp !== undefined && exitIp === directIp) {
    return {
      ok: false,
      reason: 'not_a_proxy',
      blame: 'proxy',
      message: `${who} let the request out from this server's own IP (${exitIp}): ${provider.server}:${provider.port} is not acting as a proxy`,
    };
  }
  return { ok: true, exitIp, latencyMs };
}

/** This server's own public IP, as the echo service sees it without a proxy: testConnection's `directIp`. */
/**
 * The address the echo service sees: this server's own, or a proxy's exit address when proxyUrl is
 * given (a chip's gateway URL, for instance). The proxy's password never appears in an error.
 */
export async function echoedExitIp(echoUrl: string, { proxyUrl, timeoutMs = DEFAULT_TEST_TIMEOUT_MS }: { proxyUrl?: string; timeoutMs?: number } = {}): Promise<string> {
  const service = `IP echo service ${new URL(echoUrl).origin}`;
  const secret = proxyUrl ? decodeURIComponent(new URL(proxyUrl).password) : '';
  const dispatcher = proxyUrl ? createProxyDispatcher(proxyUrl, { connectTimeoutMs: timeoutMs }) : new Agent({ connect: { timeout: timeoutMs } });
  let answer: { status: number; text: string };
  try {
    answer = await getWithin(echoUrl, dispatcher, timeoutMs);
  } catch (error) {
    if (error instanceof DeadlineExceeded) throw new Error(`${service} did not answer within ${timeoutMs} ms`);
    throw new Error(`${service} failed: ${describe(error, secret).message}`);
  }
  if (answer.status < 200 || answer.status > 299) throw new Error(`${service} answered HTTP ${answer.status}`);
  const ip = echoedIp(answer.text);
  if (ip === null) throw new Error(`${service} answered without an IP address`);
  return ip;
}

function echoedIp(text: string): string | null {
  const trimmed = text.trim();
  if (isIP(trimmed) !== 0) return trimmed;
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch {
    return null;
  }
  const candidate = field(parsed, 'ip') ?? field(field(parsed, 'proxy'), 'ip');
  return typeof candidate === 'string' && isIP(candidate) !== 0 ? candidate : null;
}

function proxyFailure(
  provider: ResolvedProvider,
  error: unknown,
  timeoutMs: number,
): { reason: ConnectionFailureReason; blame: FailureBlame; message: string } {
  const who = `Provider "${provider.name}"`;
  const where = `${provider.server}:${provider.port}`;
  if (error instanceof DeadlineExceeded) {
    return { reason: 'timeout', blame: 'target', message: `${who} did not complete the test request within ${timeoutMs} ms (${where})` };
  }
  const { code, message } = describe(error, provider.password);

  // undici 7 reports a refused CONNECT only in the message of a RequestAbortedError (UND_ERR_ABORTED),
  // with no statusCode field: "Proxy response (407) !== 200 when HTTP Tunneling".
  const tunnelStatus = /Proxy response \((\d{3})\)/.exec(message)?.[1];
  if (tunnelStatus === '407' || /Socks5 Authentication failed|no accepted authentication type/i.test(message)) {
    const status = tunnelStatus === undefined ? 'SOCKS5 authentication failed' : 'HTTP 407';
    return { reason: 'auth_refused', blame: 'proxy', message: `${who} refused the credentials (${status}): check the username and password` };
  }
  if (tunnelStatus === '403') {
    return {
      reason: 'auth_refused',
      blame: 'proxy',
      message: `${who} refused the connection (HTTP 403): check the credentials and whether the provider requires this server's IP on its allow list`,
    };
  }
  if (tunnelStatus === '502' || tunnelStatus === '503' || tunnelStatus === '504' || /Socks5 proxy rejected connection/.test(message)) {
    const status = tunnelStatus === undefined ? 'SOCKS5 connect rejected' : `HTTP ${tunnelStatus}`;
    return { reason: 'unreachable', blame: 'target', message: `${who} accepted the credentials but could not reach the IP echo service (${status})` };
  }
  if (tunnelStatus !== undefined) {
    return {
      reason: 'not_a_proxy',
      blame: 'proxy',
      message: `${who} answered the proxy CONNECT request with HTTP ${tunnelStatus}: check that ${where} is the provider's proxy endpoint`,
    };
  }
  if (code?.startsWith('HPE_') || /invalid socks version|invalid Socks5 initial handshake/i.test(message)) {
    return {
      reason: 'not_a_proxy',
      blame: 'proxy',
      message: `${who} at ${where} does not speak the ${provider.protocol} proxy protocol: check the server, port and protocol`,
    };
  }
  const network = networkFailure(code, message);
  if (network !== null) {
    // A socket error here is the proxy's: the dispatcher's only own connection is to the proxy.
    return { reason: network.reason, blame: network.reason === 'timeout' ? 'target' : 'proxy', message: `${who} ${network.text} at ${where}` };
  }
  return { reason: 'bad_response', blame: 'target', message: `${who} failed the test request at ${where}: ${message}` };
}

const UNREACHABLE_CODES: Record<string, string> = {
  ECONNREFUSED: 'refused the connection (nothing listening?)',
  ENOTFOUND: 'cannot be resolved (unknown host name)',
  EAI_AGAIN: 'cannot be resolved right now (DNS failure)',
  EHOSTUNREACH: 'is unreachable (no route to host)',
  ENETUNREACH: 'is unreachable (network unreachable)',
  ECONNRESET: 'reset the connection',
  UND_ERR_SOCKET: 'closed the connection without answering',
};
const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);

function networkFailure(code: string | undefined, message: string): { reason: 'unreachable' | 'timeout'; text: string } | null {
  // The `socks` client drops error codes and keeps only node's message ("connect ECONNREFUSED …").
  const effective = code ?? /\b(E[A-Z_]+)\b/.exec(message)?.[1];
  if (effective !== undefined && TIMEOUT_CODES.has(effective)) return { reason: 'timeout', text: 'did not answer in time' };
  if (/Proxy connection timed out/.test(message)) return { reason: 'timeout', text: 'did not answer in time' };
  const text = effective === undefined ? undefined : UNREACHABLE_CODES[effective];
  return text === undefined ? null : { reason: 'unreachable', text };
}

export interface ProviderApiAccess {
  name: string;
  username: string;
  apiBaseUrl: string | null;
  apiKey: string | null;
}

export interface ExtractOptions {
  num: number;
  /** ISO 3166-1 alpha-2; omitted = any country. */
  countryCode?: string;
  lifeMinutes: number;
  /** The kind of endpoint wanted, as the API spells it. */
  protocol: 'http' | 'https' | 'socks5';
  format?: 'json' | 'txt';
  timeoutMs?: number;
}

export interface ProxyEndpoint {
  host: string;
  port: number;
}

/** Asks the provider for `num` fresh proxy endpoints (`ip:port`), for its IP-authenticated access. */
export async function extractEndpoints(provider: ProviderApiAccess, options: ExtractOptions): Promise<ProxyEndpoint[]> {
  const { num, countryCode, lifeMinutes, protocol, format = 'json', timeoutMs = DEFAULT_API_TIMEOUT_MS } = options;
  if (!Number.isSafeInteger(num) || num < 1) throw new Error(`extractEndpoints: num must be a positive integer, got ${num}`);
  if (!Number.isSafeInteger(lifeMinutes) || lifeMinutes < 1) {
    throw new Error(`extractEndpoints: lifeMinutes must be a positive integer, got ${lifeMinutes}`);
  }
  if (countryCode !== undefined && !/^[A-Za-z]{2}$/.test(countryCode)) {
    throw new Error(`extractEndpoints: countryCode must be a 2-letter ISO code, got ${JSON.stringify(countryCode)}`);
  }
  const { baseUrl, apiKey } = apiAccess(provider);
  const url = new URL(`${baseUrl}/web_v1/ip/get-ip-v3`);
  url.searchParams.set('app_key', apiKey);
  url.searchParams.set('pt', '9');
  url.searchParams.set('num', String(num));
  if (countryCode !== undefined) url.searchParams.set('cc', countryCode.toUpperCase());
  url.searchParams.set('life', String(lifeMinutes));
  url.searchParams.set('format', format);
  url.searchParams.set('protocol', protocol);

  const who = `Provider "${provider.name}"`;
  const { status, text } = await apiGet(provider, url, {}, timeoutMs, 'extraction');
  if (status !== 200) throw new ProviderResponseError(provider.name, `${who} answered the extraction request with HTTP ${status}`);

  // Errors come as JSON with HTTP 200 whatever format was asked for.
  const trimmed = text.trim();
  if (format === 'txt' && !trimmed.startsWith('{')) return parseEndpointLines(provider.name, trimmed);
  const reply = parseJson(provider.name, trimmed, 'extraction');
  const code = field(reply, 'code');
  const msg = field(reply, 'msg');
  const quoted = typeof msg === 'string' && msg !== '' ? `: "${msg}"` : '';
  if (code === 202) {
    throw new ProviderAllowListError(
      provider.name,
      `${who} refused the extraction request: add this server's public IP to the provider's allow list (dashboard → Whitelisted IPs), then retry`,
    );
  }
  if (code === 201) {
    throw new ProviderAuthError(provider.name, `${who} rejected the API key (app_key) for extraction${quoted}: check the provider's API key`);
  }
  if (typeof code !== 'number') throw new ProviderResponseError(provider.name, `${who} answered the extraction request without a numeric "code"`);
  if (code !== 0) throw new ProviderApiError(provider.name, `${who} refused the extraction request (code ${code})${quoted}`);
  if (format === 'txt') {
    throw new ProviderResponseError(provider.name, `${who} answered a txt extraction request with JSON instead of ip:port lines`);
  }
  const data = field(reply, 'data');
  if (!Array.isArray(data)) throw new ProviderResponseError(provider.name, `${who} answered the extraction request without a "data" list`);
  return data.map((entry: unknown, index) => {
    const host = field(entry, 'ip');
    const port = field(entry, 'port');
    if (typeof host !== 'string' || isIP(host) === 0 || !isPort(port)) {
      throw new ProviderResponseError(
        provider.name,
        `${who} answered the extraction request with a malformed entry data[${index}]: expected {"ip": an IP address, "port": 1-65535}`,
      );
    }
    return { host, port };
  });
}

function parseEndpointLines(providerName: string, text: string): ProxyEndpoint[] {
  return text
    .split(/\r?\n/)
    .map((line, index) => ({ line: line.trim(), number: index + 1 }))
    .filter(({ line }) => line !== '')
    .map(({ line, number }) => {
      const separator = line.lastIndexOf(':');
      const host = line.slice(0, separator);
      const port = Number(line.slice(separator + 1));
      if (separator < 0 || isIP(host) === 0 || !/^\d+$/.test(line.slice(separator + 1)) || !isPort(port)) {
        throw new ProviderResponseError(
          providerName,
          `Provider "${providerName}" answered the extraction request with a malformed line ${number} ` +
            `(${JSON.stringify(line.slice(0, 60))}): expected ip:port with a port of 1-65535`,
        );
      }
      return { host, port };
    });
}

export interface AccountUsage {
  bytesTotal: bigint;
  /** null when the provider reports only a total. */
  bytesReceived: bigint | null;
  bytesSent: bigint | null;
}

/** The account's traffic in [from, to) as the provider bills it; for reconciling, never for per-chip attribution. */
export async function accountUsage(
  provider: ProviderApiAccess,
  { from, to, timeoutMs = DEFAULT_API_TIMEOUT_MS }: { from: Date; to: Date; timeoutMs?: number },
): Promise<AccountUsage> {
  if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime())) throw new Error('accountUsage: from and to must be valid dates');
  if (from.getTime() > to.getTime()) throw new Error('accountUsage: from must not be after to');
  const { baseUrl, apiKey } = apiAccess(provider);
  const url = new URL(`${baseUrl}/api/v2/sub-users/${encodeURIComponent(provider.username)}/traffic`);
  url.searchParams.set('from', from.toISOString());
  url.searchParams.set('to', to.toISOString());

  const who = `Provider "${provider.name}"`;
  const { status, text } = await apiGet(provider, url, { authorization: `Token ${apiKey}` }, timeoutMs, 'usage');
  if (status === 401 || status === 403) {
    throw new ProviderAuthError(provider.name, `${who} rejected the API key (HTTP ${status}) for the usage request: check the provider's API key`);
  }
  if (status < 200 || status > 299) throw new ProviderResponseError(provider.name, `${who} answered the usage request with HTTP ${status}`);
  const reply = parseJson(provider.name, text, 'usage');

  const bytes = (name: string): bigint | null => {
    const value = field(reply, name);
    if (value === undefined || value === null) return null;
    if (typeof value === 'string' && /^\d+$/.test(value)) return BigInt(value);
    throw new ProviderResponseError(provider.name, `${who} answered the usage request with a malformed "${name}": expected a decimal string of bytes`);
  };
  const traffic = field(reply, 'traffic');
  const gigabytes = typeof traffic === 'number' && Number.isFinite(traffic) && traffic >= 0 ? traffic : null;
  const total = bytes('traffic_bytes') ?? (gigabytes === null ? null : BigInt(Math.round(gigabytes * Number(BYTES_PER_GB))));
  if (total === null) {
    throw new ProviderResponseError(provider.name, `${who} answered the usage request without "traffic_bytes" or a numeric "traffic" (GB)`);
  }
  return { bytesTotal: total, bytesReceived: bytes('traffic_rx_bytes'), bytesSent: bytes('traffic_tx_bytes') };
}

function apiAccess(provider: ProviderApiAccess): { baseUrl: string; apiKey: string } {
  if (!provider.apiBaseUrl) {
    throw new ProviderConfigError(provider.name, `Provider "${provider.name}" has no apiBaseUrl: set the provider's API base URL`);
  }
  if (!provider.apiKey) throw new ProviderConfigError(provider.name, `Provider "${provider.name}" has no apiKey: set the provider's API key`);
  return { baseUrl: provider.apiBaseUrl.replace(/\/+$/, ''), apiKey: provider.apiKey };
}

/** A GET straight to the provider's API (not through its proxy: the allow list sees this server's IP). */
async function apiGet(
  provider: ProviderApiAccess,
  url: URL,
  headers: Record<string, string>,
  timeoutMs: number,
  what: string,
): Promise<{ status: number; text: string }> {
  try {
    return await getWithin(url, new Agent({ connect: { timeout: timeoutMs } }), timeoutMs, headers);
  } catch (error) {
    const who = `Provider "${provider.name}"`;
    if (error instanceof DeadlineExceeded) {
      throw new ProviderUnreachableError(provider.name, `${who} did not answer the ${what} request within ${timeoutMs} ms`);
    }
    // The URL (with app_key) and the API key never go into the message.
    const { code, message } = describe(error, provider.apiKey ?? '');
    const network = networkFailure(code, message);
    throw new ProviderUnreachableError(
      provider.name,
      network === null ? `${who}'s API failed the ${what} request: ${message}` : `${who}'s API ${network.text} (${what} request)`,
    );
  }
}

function parseJson(providerName: string, text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new ProviderResponseError(providerName, `Provider "${providerName}" answered the ${what} request with something that is not JSON`);
  }
}

class DeadlineExceeded extends Error {}

/**
 * GET with the whole body read, on a dispatcher used for this request only: it is destroyed when
 * done or when `timeoutMs` passes. An AbortSignal is not enough: undici 7 acts on it only once the
 * request is on a connected socket, and through a proxy the whole CONNECT handshake comes before that.
 */
async function getWithin(
  url: string | URL,
  dispatcher: Dispatcher,
  timeoutMs: number,
  headers: Record<string, string> = {},
): Promise<{ status: number; text: string }> {
  let expired = false;
  const timer = setTimeout(() => {
    expired = true;
    void dispatcher.destroy();
  }, timeoutMs);
  try {
    const { statusCode, body } = await request(url, { dispatcher, headers: { accept: 'application/json, text/plain', ...headers } });
    return { status: statusCode, text: await body.text() };
  } catch (error) {
    throw expired ? new DeadlineExceeded() : error;
  } finally {
    clearTimeout(timer);
    await dispatcher.destroy();
  }
}

/** The error's code and message, with `secret` masked in case a library echoed it. */
function describe(error: unknown, secret: string): { code: string | undefined; message: string } {
  const code = field(error, 'code');
  const raw = error instanceof Error ? error.message : String(error);
  const masked = secret === '' ? raw : [secret, encodeURIComponent(secret)].reduce((text, s) => text.split(s).join('***'), raw);
  return { code: typeof code === 'string' ? code : undefined, message: masked };
}

function field(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[name] : undefined;
}

function isPort(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 1 && (value as number) <= 65535;
}
