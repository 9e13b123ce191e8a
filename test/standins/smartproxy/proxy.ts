/**
 * Smartproxy STAND-IN (test double, loopback only) — the credentialed gateway proxy.
 *
 * Username forms, as the real gateway accepts them:
 *   `<user>`                                                  rotating: next exit per connection/request
 *   `<user>-session-<id>` [`-sessionduration-<minutes>`]      sticky: one exit for the session's life
 */
import type http from 'node:http';
import { RequestError, Server, type PrepareRequestFunctionResult } from 'proxy-chain';
import { isAllowedTarget } from './addresses';
import type { AccountMeter } from './meter';
import type { ExitAddressPool, StickySessions } from './sessions';

export const AUTH_REALM = 'Smartproxy';

/** Smartproxy caps sticky sessions at 24 hours. */
const MAX_SESSION_MINUTES = 1440;

export type ProxyIdentity = { kind: 'rotating' } | { kind: 'sticky'; sessionId: string; minutes?: number };

export function parseProxyUsername(username: string, accountUser: string): ProxyIdentity | null {
  if (username === accountUser) return { kind: 'rotating' };
  const prefix = `${accountUser}-session-`;
  if (!username.startsWith(prefix)) return null;
  const match = /^([A-Za-z0-9]+)(?:-sessionduration-([1-9]\d*))?$/.exec(username.slice(prefix.length));
  if (!match) return null;
  const sessionId = match[1]!;
  if (match[2] === undefined) return { kind: 'sticky', sessionId };
  const minutes = Number(match[2]);
  return minutes <= MAX_SESSION_MINUTES ? { kind: 'sticky', sessionId, minutes } : null;
}

/**
 * Where a request leaves from, or a refusal. The target is checked before an exit is chosen or
 * anything is dialled, so a non-loopback target never sees a SYN nor consumes a session. IPv4 is forced because the exit addresses are IPv4 and
 * `localhost` could otherwise resolve to ::1, which cannot be reached from a 127.0.1.x socket.
 */
export function exitRoute(
  hostname: string,
  chooseExit: () => string,
  httpAgent: http.Agent,
): PrepareRequestFunctionResult {
  if (!isAllowedTarget(hostname)) {
    throw new RequestError(`Target ${hostname} is outside the stand-in's loopback range; refused`, 403);
  }
  return { localAddress: chooseExit(), ipFamily: 4, httpAgent };
}

export type AccountProxyOptions = {
  host: string;
  port: number;
  username: string;
  password: string;
  stickySessionMinutes: number;
  pool: ExitAddressPool;
  sessions: StickySessions;
  meter: AccountMeter;
  httpAgent: http.Agent;
  /** Every username the proxy accepted, so tests can see which sticky session a client used. */
  acceptedUsernames: Set<string>;
};

export async function startAccountProxy(options: AccountProxyOptions): Promise<Server> {
  const server: Server = new Server({
    host: options.host,
    port: options.port,
    authRealm: AUTH_REALM,
    prepareRequestFunction: ({ connectionId, username, password, hostname }) => {
      const identity = parseProxyUsername(username, options.username);
      if (identity === null || password !== options.password) {
        return { requestAuthentication: true, failMsg: 'Invalid proxy credentials' };
      }
      options.acceptedUsernames.add(username);
      const chooseExit = () =>
        identity.kind === 'rotating'
          ? options.pool.next()
          : options.sessions.addressFor(
              `session:${identity.sessionId}`,
              (identity.minutes ?? options.stickySessionMinutes) * 60_000,
            );
      const route = exitRoute(hostname, chooseExit, options.httpAgent);
      options.meter.bill(server, connectionId);
      return route;
    },
  });
  options.meter.watch(server);
  await server.listen();
  return server;
}
