/**
 * Benchmark child: the Smartproxy stand-in (test double, loopback only) as "the upstream provider",
 * in a process of its own so the client and the gateway do not share its event loop.
 */
import { randomBytes } from 'node:crypto';
import { startSmartproxyStandIn } from '../standins/smartproxy';
import { serveParent } from './children';

export interface UpstreamReady {
  proxyHost: string;
  proxyPort: number;
  apiBaseUrl: string;
  echoUrl: string;
  username: string;
  password: string;
  apiKey: string;
}

serveParent(async () => {
  const account = { username: `bench${randomBytes(3).toString('hex')}`, password: randomBytes(12).toString('base64url'), apiKey: randomBytes(16).toString('hex') };
  const standIn = await startSmartproxyStandIn({ ...account, stickySessionMinutes: 60 });
  const ready: UpstreamReady = {
    proxyHost: standIn.proxyHost,
    proxyPort: standIn.proxyPort,
    apiBaseUrl: standIn.apiBaseUrl,
    echoUrl: standIn.echoUrl,
    ...account,
  };
  return { ready, handlers: {}, stop: () => standIn.close() };
});
