/**
 * Benchmark child: one metering gateway (worker/src/gateway) and nothing else, so its CPU time and
 * its memory per chip and per idle connection can be read from its own process.
 */
import { buildProxyUrl } from '@chipgate/activities/providers/proxy-endpoint';
import { SESSION_ID_MAX_LENGTH } from '@chipgate/workflows/rules/session-naming';
import { startMeteringGateway, type ChipCredential, type MeteringGateway } from '@chipgate/worker/gateway/metering-gateway';
import { serveParent } from './children';

export interface RegisterChipsRequest {
  /** Chip ids to register; each chains to the upstream with its own sticky session. */
  chipIds: string[];
  upstream: { host: string; port: number; username: string; password: string };
}

export interface GatewayReady {
  url: string;
  port: number;
}

serveParent(async () => {
  let errors = 0;
  const gateway: MeteringGateway = await startMeteringGateway({
    host: '127.0.0.1',
    port: 0,
    onError: (error) => {
      if (errors++ < 5) console.error(`[gateway] ${error.message}`);
    },
  });
  const registered: string[] = [];
  return {
    ready: { url: gateway.url, port: gateway.port } satisfies GatewayReady,
    handlers: {
      register(payload) {
        const { chipIds, upstream } = payload as RegisterChipsRequest;
        const credentials: Record<string, ChipCredential> = {};
        for (const chipId of chipIds) {
          // The same URL shape ChipConnections builds from a provider row, resolved once up front:
          // the bench measures the gateway, not the database and cipher behind a real resolver.
          const upstreamUrl = buildProxyUrl(
            { name: 'bench', server: upstream.host, port: upstream.port, protocol: 'HTTP', username: upstream.username, password: upstream.password, usernameTemplate: null },
            // Letters and digits, at most 24 (a chip UUID's hex, shortened); the bench's ids stay distinct.
            chipId.replace(/[^A-Za-z0-9]/g, '').slice(-SESSION_ID_MAX_LENGTH),
          );
          credentials[chipId] = gateway.registerChip(chipId, { resolveUpstream: async () => upstreamUrl });
          registered.push(chipId);
        }
        return credentials;
      },
      counters(payload) {
        const { sent, received } = gateway.readCounters(String(payload));
        return { sent: sent.toString(), received: received.toString() };
      },
      errors: () => errors,
    },
    stop: () => gateway.close(),
  };
});
