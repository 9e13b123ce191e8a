import { randomBytes } from 'node:crypto';
import { startSmartproxyStandIn } from '../standins/smartproxy';

/** A Smartproxy stand-in with a fresh random account, for one test file. */
export async function startTestStandIn(options: { stickySessionMinutes?: number; allowList?: string[] } = {}) {
  const account = { username: `acct${randomBytes(3).toString('hex')}`, password: randomBytes(12).toString('base64url'), apiKey: randomBytes(16).toString('hex') };
  const standIn = await startSmartproxyStandIn({ ...account, ...options });
  return { ...account, standIn };
}
