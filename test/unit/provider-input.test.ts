import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProviderInputError, parseProviderInput } from '@chipgate/activities/providers/index';

const good = {
  name: '  Smartproxy BR ',
  type: 'RESIDENTIAL',
  region: 'BR',
  server: 'GATE.Smartproxy.com',
  port: 7000,
  protocol: 'HTTP',
  username: 'acct',
  password: 's3cret:with/odd@chars',
  costPerGb: '007.5000',
};

function fieldsOf(input: unknown, mode: 'create' | 'update' = 'create'): Readonly<Record<string, string>> {
  try {
    if (mode === 'create') parseProviderInput(input);
    else parseProviderInput(input, 'update');
  } catch (error) {
    assert.ok(error instanceof ProviderInputError, String(error));
    return error.fields;
  }
  assert.fail('expected a ProviderInputError');
}

describe('parseProviderInput', () => {
  it('normalises good input and fills the defaults', () => {
    assert.deepEqual(parseProviderInput(good), {
      name: 'Smartproxy BR',
      type: 'RESIDENTIAL',
      region: 'br',
      server: 'gate.smartproxy.com',
      port: 7000,
      protocol: 'HTTP',
      username: 'acct',
      password: 's3cret:with/odd@chars',
      usernameTemplate: '{username}-session-{session}',
      stickySessionMinutes: 30,
      costPerGb: '7.5',
      currency: 'BRL',
      isActive: true,
    });
  });

  it('keeps optional API settings, trimming the base URL', () => {
    const parsed = parseProviderInput({ ...good, apiKey: 'k', apiBaseUrl: 'https://api.example.test/', currency: 'usd' });
    assert.equal(parsed.apiKey, 'k');
    assert.equal(parsed.apiBaseUrl, 'https://api.example.test');
    assert.equal(parsed.currency, 'USD');
  });

  it('refuses a port out of range, naming the field', () => {
    for (const port of [0, 65536, 80.5, '8080']) {
      const fields = fieldsOf({ ...good, port });
      assert.deepEqual(fields, { port: 'must be an integer between 1 and 65535' });
    }
    assert.throws(() => parseProviderInput({ ...good, port: 70000 }), {
      name: 'ProviderInputError',
      message: 'invalid provider: port: must be an integer between 1 and 65535',
    });
  });

  it('refuses an unknown protocol', () => {
    assert.deepEqual(fieldsOf({ ...good, protocol: 'SOCKS4' }), { protocol: 'must be one of HTTP, HTTPS, SOCKS5' });
  });

  it('refuses a username template without {session}', () => {
    assert.match(fieldsOf({ ...good, usernameTemplate: '{username}-sticky' }).usernameTemplate!, /must contain \{session\}/);
  });

  it('names every bad field at once', () => {
    const fields = fieldsOf({ ...good, name: '', port: -1, protocol: 'FTP', username: 'a:b', server: undefined, bogus: 1 });
    assert.deepEqual(Object.keys(fields).sort(), ['bogus', 'name', 'port', 'protocol', 'server', 'username']);
    assert.equal(fields.server, 'is required');
    assert.equal(fields.bogus, 'is not a provider field');
    assert.match(fields.username!, /must not contain ':'/);
  });

  it('refuses servers with a scheme, a path or a port', () => {
    assert.match(fieldsOf({ ...good, server: 'http://gate.example.test' }).server!, /without a scheme/);
    assert.match(fieldsOf({ ...good, server: 'gate.example.test/proxy' }).server!, /without a path/);
    assert.match(fieldsOf({ ...good, server: 'gate.example.test:7000' }).server!, /port field/);
    assert.match(fieldsOf({ ...good, server: '999.1.1.1' }).server!, /not a valid IPv4/);
    assert.equal(parseProviderInput({ ...good, server: '203.0.113.7' }).server, '203.0.113.7');
    assert.equal(parseProviderInput({ ...good, server: '[2001:DB8::1]' }).server, '2001:db8::1');
  });

  it('keeps costPerGb a decimal string and never takes a float it cannot represent', () => {
    assert.equal(parseProviderInput({ ...good, costPerGb: 12.5 }).costPerGb, '12.5');
    assert.equal(parseProviderInput({ ...good, costPerGb: '0.1234' }).costPerGb, '0.1234');
    assert.equal(parseProviderInput({ ...good, costPerGb: 0 }).costPerGb, '0');
    assert.equal(parseProviderInput({ ...good, costPerGb: '3.10' }).costPerGb, '3.1');
    for (const bad of [0.1 + 0.2, '1.23456', -1, '-1', '1e3', 1e21, 'abc', Number.NaN, '123456789']) {
      assert.ok('costPerGb' in fieldsOf({ ...good, costPerGb: bad }), `accepted ${String(bad)}`);
    }
  });

  it('validates region, currency, sticky minutes and the API base URL', () => {
    assert.ok('region' in fieldsOf({ ...good, region: 'b' }));
    assert.ok('region' in fieldsOf({ ...good, region: 'sa east' }));
    assert.ok('currency' in fieldsOf({ ...good, currency: 'REAL' }));
    assert.ok('stickySessionMinutes' in fieldsOf({ ...good, stickySessionMinutes: 1441 }));
    assert.ok('apiBaseUrl' in fieldsOf({ ...good, apiBaseUrl: 'ftp://api.example.test' }));
    assert.ok('apiBaseUrl' in fieldsOf({ ...good, apiBaseUrl: 'api.example.test' }));
  });

  it('requires the password on create and keeps it when blank on update', () => {
    assert.deepEqual(fieldsOf({ ...good, password: undefined }), { password: 'is required' });
    assert.equal(parseProviderInput({ ...good, password: '' }, 'update').password, undefined);
    assert.equal(parseProviderInput({ ...good, password: undefined }, 'update').password, undefined);
    assert.equal(parseProviderInput({ ...good, password: 'new' }, 'update').password, 'new');
    assert.deepEqual(fieldsOf({ ...good, password: 'x'.repeat(257) }, 'update'), { password: 'must be 1 to 256 characters' });
  });

  it('refuses something that is not an object', () => {
    assert.deepEqual(fieldsOf('nope'), { input: 'must be an object of provider fields' });
  });
});
