/**
 * A provider's proxy as a URL, and the clients that connect through such a URL: an undici
 * dispatcher (fetch/request, Baileys media) and a node http.Agent (WebSockets).
 * Proxy URLs carry the password; only redactProxyUrl() output may reach a log or an error.
 */
import type http from 'node:http';
import { isIP } from 'node:net';
import { SocksClient, type SocksProxy } from 'socks';
import { Agent, Pool, ProxyAgent, buildConnector, type Dispatcher } from 'undici';
import { HttpsProxyAgent } from 'https-proxy-agent';
import { SocksProxyAgent } from 'socks-proxy-agent';
import { stickyUsername } from '@chipgate/workflows/rules/session-naming';

export type ProxyProtocol = 'HTTP' | 'HTTPS' | 'SOCKS5';

/** A provider with its password decrypted: only activities hold one, and only while connecting. */
export interface ResolvedProvider {
  name: string;
  server: string;
  port: number;
  protocol: ProxyProtocol;
  username: string;
  password: string;
  usernameTemplate: string | null;
}

// socks5h: the provider resolves target names, so DNS does not leave from this server and the
// exit IP's resolver picks the addresses (proxy-chain and socks-proxy-agent both honour it).
const SCHEMES: Record<ProxyProtocol, string> = { HTTP: 'http', HTTPS: 'https', SOCKS5: 'socks5h' };

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/** The plain account username rotates the exit IP per connection; a session id pins it. */
export function proxyUsername(provider: Pick<ResolvedProvider, 'username' | 'usernameTemplate'>, sessionId?: string): string {
  return sessionId === undefined ? provider.username : stickyUsername(provider.usernameTemplate, provider.username, sessionId);
}

export function buildProxyUrl(provider: ResolvedProvider, sessionId?: string): string {
  const host = isIP(provider.server) === 6 ? `[${provider.server}]` : provider.server;
  const user = encodeURIComponent(proxyUsername(provider, sessionId));
  return `${SCHEMES[provider.protocol]}://${user}:${encodeURIComponent(provider.password)}@${host}:${provider.port}`;
}

/** The URL with its password replaced by `***`, safe for logs and error messages. */
export function redactProxyUrl(url: string | URL): string {
  const parsed = URL.canParse(String(url)) ? new URL(String(url)) : null;
  if (parsed === null) return '<unparseable proxy URL>';
  if (parsed.password !== '') parsed.password = '***';
  return parsed.href;
}

export interface ProxyDispatcherOptions {
  /** Bounds reaching the proxy and its tunnel handshake; undici's own wait for a CONNECT answer is 300 s. */
  connectTimeoutMs?: number;
}

/** An undici dispatcher that sends every request through the proxy at `proxyUrl`. */
export function createProxyDispatcher(
  proxyUrl: string | URL,
  { connectTimeoutMs = DEFAULT_CONNECT_TIMEOUT_MS }: ProxyDispatcherOptions = {},
): Dispatcher {
  const url = parseProxyUrl(proxyUrl);
  if (url.protocol === 'http:' || url.protocol === 'https:') {
    return new ProxyAgent({
      uri: url.href,
      // proxyTls feeds the connector to the proxy for plain http proxies too; `timeout` is its TCP/TLS connect timeout.
      proxyTls: { timeout: connectTimeoutMs },
      // The pool to the proxy only carries CONNECT requests; without this a proxy that accepts the
      // TCP connection and never answers holds the request for undici's 300 s headersTimeout,
      // and an AbortSignal on the request does not reach that phase.
      clientFactory: (origin, options) => new Pool(origin, { ...options, headersTimeout: connectTimeoutMs }),
    });
  }
  return socksDispatcher(url, connectTimeoutMs);
}

/**
 * A node http.Agent through the proxy, for WebSocket clients (`ws`, Baileys' `agent`). No idle
 * timeout is set: socks-proxy-agent applies its `timeout` to the live socket too, which would cut
 * a quiet WebSocket.
 */
export function createProxyHttpAgent(proxyUrl: string | URL): http.Agent {
  const url = parseProxyUrl(proxyUrl);
  if (url.protocol === 'http:' || url.protocol === 'https:') return new HttpsProxyAgent(url);
  return new SocksProxyAgent(url);
}

function parseProxyUrl(proxyUrl: string | URL): URL {
  // new URL()'s TypeError carries the input (password included) in `.input`: never let it escape.
  const url = proxyUrl instanceof URL ? proxyUrl : URL.canParse(proxyUrl) ? new URL(proxyUrl) : null;
  if (url === null) throw new Error('proxy URL is not a valid URL');
  if (!['http:', 'https:', 'socks5:', 'socks5h:'].includes(url.protocol)) {
    throw new Error(`proxy URL ${redactProxyUrl(url)} must use http, https, socks5 or socks5h`);
  }
  return url;
}

/**
 * undici 7's own Socks5ProxyAgent is experimental (it prints a process warning and hard-codes 5 s
 * handshake timeouts), so SOCKS goes through `socks`, the client socks-proxy-agent and proxy-chain
 * use. Target names are always sent to the proxy unresolved (socks5h behaviour).
 */
function socksDispatcher(url: URL, connectTimeoutMs: number): Dispatcher {
  const proxy: SocksProxy = { host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port) || 1080, type: 5 };
  // SocksClientError carries these options; non-enumerable credentials stay out of logged errors
  // (socks-proxy-agent does the same).
  if (url.username !== '') Object.defineProperty(proxy, 'userId', { value: decodeURIComponent(url.username) });
  if (url.password !== '') Object.defineProperty(proxy, 'password', { value: decodeURIComponent(url.password) });
  const tlsOverTunnel = buildConnector({ timeout: connectTimeoutMs });
  return new Agent({
    connect: (options, callback) => {
      const https = options.protocol === 'https:';
      SocksClient.createConnection({
        proxy,
        command: 'connect',
        destination: { host: options.hostname.replace(/^\[|\]$/g, ''), port: Number(options.port) || (https ? 443 : 80) },
        timeout: connectTimeoutMs,
      }).then(
        ({ socket }) => (https ? tlsOverTunnel({ ...options, httpSocket: socket }, callback) : callback(null, socket)),
        (error: Error) => callback(error, null),
      );
    },
  });
}
