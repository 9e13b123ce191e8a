import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { accountUsage, extractEndpoints, testConnection } from '@chipgate/activities/providers/provider-client';
import type { ResolvedProvider } from '@chipgate/activities/providers/proxy-endpoint';
import { startTestStandIn } from '../support/standin';

describe('provider client against the Smartproxy stand-in', () => {
  let ctx: Awaited<ReturnType<typeof startTestStandIn>>;
  let provider: ResolvedProvider & { apiBaseUrl: string; apiKey: string };
  before(async () => {
    ctx = await startTestStandIn();
    provider = {
      name: 'Smartproxy BR',
      server: ctx.standIn.proxyHost,
      port: ctx.standIn.proxyPort,
      protocol: 'HTTP',
      username: ctx.username,
      password: ctx.password,
      usernameTemplate: '{username}-session-{session}',
      apiBaseUrl: ctx.standIn.apiBaseUrl,
      apiKey: ctx.apiKey,
    };
  });
  after(() => ctx.standIn.close());

  const exitIp = async (sessionId?: string) => {
    const result = await testConnection(provider, { echoUrl: ctx.standIn.echoUrl, sessionId });
    assert.ok(result.ok, `connection test failed: ${'message' in result ? result.message : ''}`);
    return result.exitIp;
  };

  it('keeps one exit IP across connections of a sticky session, and gives two sessions two', async () => {
    const first = await exitIp('chipA1');
    assert.match(first, /^127\.0\.1\.\d+$/);
    assert.equal(await exitIp('chipA1'), first);
    assert.equal(await exitIp('chipA1'), first);
    const other = await exitIp('chipB2');
    assert.notEqual(other, first);
    assert.equal(await exitIp('chipB2'), other);
  });

  it('rotates the exit IP without a session', async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 4; i++) seen.add(await exitIp());
    assert.ok(seen.size > 1, `rotating gave ${[...seen].join(', ')}`);
  });

  it('reports a wrong password as an authentication failure naming the provider', async () => {
    const result = await testConnection({ ...provider, password: 'wrong-password' }, { echoUrl: ctx.standIn.echoUrl, sessionId: 'x1' });
    assert.equal(result.ok, false);
    assert.ok(!result.ok && result.reason === 'auth_refused');
    assert.match(!result.ok ? result.message : '', /Smartproxy BR/);
    assert.ok(!(!result.ok && result.message.includes('wrong-password')), 'the message never repeats the password');
  });

  it('turns the "add IP to the allow list" answer into an actionable error', async () => {
    ctx.standIn.setAllowList([]);
    try {
      await assert.rejects(extractEndpoints(provider, { num: 2, lifeMinutes: 30, protocol: 'http' }), (err: Error) => {
        assert.match(err.message, /allow list/);
        assert.match(err.message, /Smartproxy BR/);
        return true;
      });
    } finally {
      ctx.standIn.setAllowList(['127.0.0.1']);
    }
    const endpoints = await extractEndpoints(provider, { num: 3, lifeMinutes: 30, protocol: 'http' });
    assert.equal(endpoints.length, 3);
    for (const e of endpoints) assert.ok(e.port > 0 && e.port < 65536);
  });

  it('reads the account usage that the proxy traffic produced', async () => {
    const from = new Date(Date.now() - 60_000);
    await exitIp('usage1');
    const usage = await accountUsage(provider, { from, to: new Date(Date.now() + 60_000) });
    assert.ok(usage.bytesTotal > 0n);
    assert.ok(usage.bytesSent !== null && usage.bytesReceived !== null, 'the stand-in reports the split, as Smartproxy does');
    assert.equal(usage.bytesTotal, usage.bytesSent + usage.bytesReceived);
  });
});
