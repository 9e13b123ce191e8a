/**
 * Smartproxy STAND-IN (test double, loopback only) — IP-authenticated proxy endpoints.
 *
 * What the extraction API hands out: `ip:port` endpoints that need no credentials from an
 * allow-listed source. Each endpoint is its own proxy-chain listener holding one sticky exit for
 * the `life` it was leased with; listeners are opened only when a lease needs one and an endpoint
 * is handed out again only after its lease ends, so two callers never share an exit by accident.
 */
import type http from 'node:http';
import { Server } from 'proxy-chain';
import type { AllowList } from './addresses';
import type { AccountMeter } from './meter';
import { AUTH_REALM, exitRoute } from './proxy';
import type { StickySessions } from './sessions';

/** The extraction API's `num` ceiling, so one lease can always get distinct endpoints. */
export const MAX_ENDPOINTS = 500;

type Endpoint = { server: Server; key: string; lifetimeMs: number; ready: Promise<void> };

export type IpEndpointsOptions = {
  host: string;
  allowList: AllowList;
  sessions: StickySessions;
  meter: AccountMeter;
  httpAgent: http.Agent;
};

export class IpEndpoints {
  private readonly endpoints: Endpoint[] = [];

  constructor(private readonly options: IpEndpointsOptions) {}

  /** Ports of `count` distinct endpoints, each with a fresh exit for `lifetimeMs`. */
  async lease(count: number, lifetimeMs: number): Promise<number[]> {
    if (count > MAX_ENDPOINTS) throw new Error(`lease: at most ${MAX_ENDPOINTS} endpoints`);
    // Chosen synchronously so that concurrent extractions cannot pick the same endpoint.
    const chosen: Endpoint[] = [];
    for (const endpoint of this.endpoints) {
      if (chosen.length === count) break;
      if (!this.options.sessions.isLive(endpoint.key)) chosen.push(endpoint);
    }
    while (chosen.length < count && this.endpoints.length < MAX_ENDPOINTS) {
      chosen.push(this.open());
    }
    if (chosen.length < count) chosen.push(...this.soonestExpiring(count - chosen.length, chosen));
    for (const endpoint of chosen) {
      endpoint.lifetimeMs = lifetimeMs;
      this.options.sessions.restart(endpoint.key, lifetimeMs);
    }
    await Promise.all(chosen.map((endpoint) => endpoint.ready));
    return chosen.map((endpoint) => endpoint.server.port);
  }

  async close(): Promise<void> {
    await Promise.all(
      this.endpoints.map(async (endpoint) => {
        await endpoint.ready;
        await endpoint.server.close(true);
      }),
    );
  }

  private open(): Endpoint {
    const { allowList, sessions, meter, httpAgent } = this.options;
    const key = `endpoint:${this.endpoints.length}`;
    const server: Server = new Server({
      host: this.options.host,
      port: 0,
      authRealm: AUTH_REALM,
      prepareRequestFunction: ({ connectionId, request, hostname }) => {
        if (!allowList.allows(request.socket.remoteAddress)) {
          return { requestAuthentication: true, failMsg: 'Source IP is not in the allow list' };
        }
        const route = exitRoute(hostname, () => sessions.addressFor(key, endpoint.lifetimeMs), httpAgent);
        meter.bill(server, connectionId);
        return route;
      },
    });
    meter.watch(server);
    const endpoint: Endpoint = {
      server,
      key,
      lifetimeMs: 0,
      ready: server.listen().catch((error: unknown) => {
        this.endpoints.splice(this.endpoints.indexOf(endpoint), 1);
        throw error;
      }),
    };
    this.endpoints.push(endpoint);
    return endpoint;
  }

  private soonestExpiring(count: number, exclude: readonly Endpoint[]): Endpoint[] {
    const expiry = (endpoint: Endpoint) => this.options.sessions.expiresAt(endpoint.key) ?? 0;
    return this.endpoints
      .filter((endpoint) => !exclude.includes(endpoint))
      .sort((a, b) => expiry(a) - expiry(b))
      .slice(0, count);
  }
}
