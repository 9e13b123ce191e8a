/**
 * Smartproxy STAND-IN — a local test double of the Smartproxy residential proxy service, for the
 * test suite and the demo only; never a production provider. It listens on and sends to loopback
 * (127.0.0.0/8) only.
 *
 * One account with four faces:
 *   - a credentialed gateway proxy (`<user>` rotating, `<user>-session-<id>` sticky),
 *   - an extraction API handing out allow-list-authenticated `ip:port` endpoints,
 *   - an account traffic usage API,
 *   - a "what is my IP" echo server that doubles as the target of test traffic.
 * Exit addresses are 127.0.1.1–127.0.1.254, so loopback servers can tell sessions apart.
 */
import http from 'node:http';
import type { Server } from 'proxy-chain';
import { AllowList, isLoopbackV4 } from './addresses';
import { createApiServer } from './api';
import { createEchoServer } from './echo';
import { closeServer, listen } from './http-util';
import { IpEndpoints } from './ip-endpoints';
import { AccountMeter, type ByteCounts } from './meter';
import { startAccountProxy } from './proxy';
import { ExitAddressPool, StickySessions } from './sessions';

export type { ByteCounts } from './meter';

export type SmartproxyStandInOptions = {
  username: string;
  password: string;
  apiKey: string;
  /** Sources allowed to call the extraction API and to use the IP-authenticated endpoints. */
  allowList?: string[];
  /** Default sticky session lifetime; fractional so tests can watch a session expire. */
  stickySessionMinutes?: number;
  host?: string;
  /** 0 or undefined picks a free port. */
  ports?: { proxy?: number; api?: number; echo?: number };
};

export type SmartproxyStandIn = {
  /** No credentials in it: callers add `<user>[-session-<id>]:<password>` themselves. */
  proxyUrl: string;
  proxyHost: string;
  proxyPort: number;
  apiBaseUrl: string;
  echoUrl: string;
  accountBytes(): ByteCounts;
  /** The proxy usernames it accepted so far (`<user>` or `<user>-session-<id>…`). */
  acceptedUsernames(): string[];
  setAllowList(ips: string[]): void;
  /** Takes the "what is my IP" echo down (503) or back up; traffic endpoints keep working. */
  setEchoOutage(down: boolean): void;
  close(): Promise<void>;
};

export async function startSmartproxyStandIn(options: SmartproxyStandInOptions): Promise<SmartproxyStandIn> {
  const settings = validate(options);
  const { host, username, password, apiKey, stickySessionMinutes } = settings;
  const allowList = new AllowList(options.allowList ?? ['127.0.0.1']);
  const pool = new ExitAddressPool();
  const sessions = new StickySessions(pool);
  const meter = new AccountMeter();
  // A private agent keeps the stand-in's upstream keep-alive sockets out of the process-wide
  // pool, so close() can tear them down.
  const httpAgent = new http.Agent({ keepAlive: true });
  const endpoints = new IpEndpoints({ host, allowList, sessions, meter, httpAgent });

  const api = createApiServer(
    { apiKey, host, allowList, endpoints, defaultLifeMinutes: stickySessionMinutes },
    { username, apiKey, meter },
  );
  let echoDown = false;
  const echo = createEchoServer(() => echoDown);
  const shutdown = async (proxy?: Server): Promise<void> => {
    await Promise.all([
      proxy?.close(true),
      endpoints.close(),
      api.listening ? closeServer(api) : undefined,
      echo.listening ? closeServer(echo) : undefined,
    ]);
    meter.stop();
    httpAgent.destroy();
  };

  const acceptedUsernames = new Set<string>();
  let proxy: Server | undefined;
  let apiPort: number;
  let echoPort: number;
  try {
    proxy = await startAccountProxy({
      host,
      port: settings.ports.proxy,
      username,
      password,
      stickySessionMinutes,
      pool,
      sessions,
      meter,
      httpAgent,
      acceptedUsernames,
    });
    apiPort = await listen(api, settings.ports.api, host);
    echoPort = await listen(echo, settings.ports.echo, host);
  } catch (error) {
    // A half-started stand-in would keep the test process alive after the failure is reported.
    await shutdown(proxy);
    throw error;
  }

  let closing: Promise<void> | undefined;
  return {
    proxyUrl: `http://${host}:${proxy.port}`,
    proxyHost: host,
    proxyPort: proxy.port,
    apiBaseUrl: `http://${host}:${apiPort}`,
    echoUrl: `http://${host}:${echoPort}/json`,
    accountBytes: () => meter.totals(),
    acceptedUsernames: () => [...acceptedUsernames],
    setAllowList: (ips) => allowList.replace(ips),
    setEchoOutage: (down) => {
      echoDown = down;
    },
    close: () => (closing ??= shutdown(proxy)),
  };
}

function validate(options: SmartproxyStandInOptions) {
  const required = (field: 'username' | 'password' | 'apiKey'): string => {
    const value = options[field];
    if (typeof value !== 'string' || value === '') throw new Error(`${field}: required`);
    return value;
  };
  const username = required('username');
  // The proxy credential is `user:password`, and the session suffix is parsed off the username.
  if (username.includes(':') || username.includes('-session-')) {
    throw new Error('username: must not contain ":" or "-session-"');
  }
  const host = options.host ?? '127.0.0.1';
  if (!isLoopbackV4(host)) throw new Error(`host: ${host} is not a 127.0.0.0/8 address`);
  const stickySessionMinutes = options.stickySessionMinutes ?? 30;
  if (!Number.isFinite(stickySessionMinutes) || stickySessionMinutes <= 0) {
    throw new Error('stickySessionMinutes: must be a positive number');
  }
  const port = (name: 'proxy' | 'api' | 'echo'): number => {
    const value = options.ports?.[name] ?? 0;
    if (!Number.isInteger(value) || value < 0 || value > 65535) throw new Error(`ports.${name}: not a TCP port`);
    return value;
  };
  return {
    username,
    password: required('password'),
    apiKey: required('apiKey'),
    host,
    stickySessionMinutes,
    ports: { proxy: port('proxy'), api: port('api'), echo: port('echo') },
  };
}
