// Every process logs JSON through createLogger: a provider URL with its password, an error quoting
// one, secret fields and auth headers reach the output without the secret.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { createLogger } from '@chipgate/activities/logging/logger';

const PASSWORD = 'hunter2-Provider-Pw';
const API_KEY = 'sp-api-key-0123456789';
const TOKEN = 'tok-abcdef0123456789';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  return { logger: createLogger('test', { level: 'debug', destination }), lines };
}

describe('structured logs with secrets redacted', () => {
  it('logs JSON lines and no provider password, API key or token, wherever they appear', () => {
    const { logger, lines } = capture();
    const url = `http://user-session-abc:${PASSWORD}@gate.smartproxy.com:7000`;
    logger.info(`connecting chip through ${url}`);
    logger.warn({ upstream: url, provider: { name: 'Smartproxy BR', password: PASSWORD, apiKey: API_KEY } }, 'provider check failed');
    logger.error({ err: new Error(`tunnel to ${url} refused (HTTP 407)`) }, 'chip connection failed');
    logger.info({ request: { headers: { authorization: `Bearer ${TOKEN}` } }, token: TOKEN }, 'scrape');
    logger.child({ chipId: 'c-1' }).info({ detail: [`retrying ${url}`] }, 'nested');

    assert.equal(lines.length, 5);
    const output = lines.join('\n');
    for (const secret of [PASSWORD, API_KEY, TOKEN]) assert.ok(!output.includes(secret), `the output holds ${secret}`);
    const parsed = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.equal(parsed[0]!.msg, 'connecting chip through http://<redacted>@gate.smartproxy.com:7000');
    assert.equal(parsed[0]!.name, 'test');
    assert.deepEqual(parsed[1]!.provider, { name: 'Smartproxy BR', password: '[redacted]', apiKey: '[redacted]' });
    assert.match(String((parsed[2]!.err as { message: string }).message), /^tunnel to http:\/\/<redacted>@gate\.smartproxy\.com:7000 refused/);
    assert.equal(parsed[4]!.chipId, 'c-1');
  });
});
