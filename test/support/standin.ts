import { randomBytes } from 'node:crypto';
import type { Db } from '@chipgate/db';
import { saveProvider } from '@chipgate/activities/providers/provider-store';
import { loadCredentialCipher } from '@chipgate/activities/secrets/credential-cipher';
import { startSmartproxyStandIn } from '../standins/smartproxy';

/** A Smartproxy stand-in with a fresh random account, for one test file. */
export async function startTestStandIn(options: { stickySessionMinutes?: number; allowList?: string[] } = {}) {
  const account = { username: `acct${randomBytes(3).toString('hex')}`, password: randomBytes(12).toString('base64url'), apiKey: randomBytes(16).toString('hex') };
  const standIn = await startSmartproxyStandIn({ ...account, ...options });
  return { ...account, standIn };
}

/** Registers the stand-in account as a provider with one rotating proxy in region br, as an admin would. */
export async function saveStandInProvider(db: Db, provider: Awaited<ReturnType<typeof startTestStandIn>>) {
  const saved = await saveProvider(db, loadCredentialCipher(), {
    name: 'Smartproxy BR (stand-in)',
    type: 'RESIDENTIAL',
    region: 'br',
    server: provider.standIn.proxyHost,
    port: provider.standIn.proxyPort,
    protocol: 'HTTP',
    username: provider.username,
    password: provider.password,
    apiKey: provider.apiKey,
    apiBaseUrl: provider.standIn.apiBaseUrl,
    costPerGb: '4.5',
  });
  const proxy = await db.proxy.create({ data: { providerId: saved.id, kind: 'ROTATING', protocol: 'HTTP', region: 'br' } });
  return { providerId: saved.id, proxyId: proxy.id };
}
