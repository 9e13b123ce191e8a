import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { providerChanges, secretsToReenter } from '@chipgate/activities/providers/secret-destination';

describe('secretsToReenter', () => {
  const stored = { server: 'gate.smartproxy.com', port: 7000, protocol: 'HTTP', apiBaseUrl: 'https://api.smartproxy.com', apiKeySet: true };
  const same = { ...stored, passwordGiven: false, apiKeyGiven: false };
  it('keeps stored secrets while their destination stays', () => {
    assert.deepEqual(secretsToReenter(stored, same), {});
    assert.deepEqual(secretsToReenter(stored, { ...same, server: 'GATE.smartproxy.com' }), {});
  });
  it('asks for the password when server, port or protocol move', () => {
    assert.match(secretsToReenter(stored, { ...same, server: 'evil.example' }).password ?? '', /the server changed/);
    assert.match(secretsToReenter(stored, { ...same, port: 7001, protocol: 'SOCKS5' }).password ?? '', /the port, protocol changed/);
    assert.deepEqual(secretsToReenter(stored, { ...same, port: 7001, passwordGiven: true }), {});
  });
  it('asks for the API key when the API base URL moves', () => {
    assert.deepEqual(Object.keys(secretsToReenter(stored, { ...same, apiBaseUrl: 'https://evil.example' })), ['apiKey']);
    assert.deepEqual(secretsToReenter(stored, { ...same, apiBaseUrl: null }), {}, 'removing the URL sends the key nowhere');
    assert.deepEqual(secretsToReenter({ ...stored, apiKeySet: false }, { ...same, apiBaseUrl: 'https://new.example' }), {});
  });
});

describe('providerChanges', () => {
  it('records plain fields from → to and secrets only as changed', () => {
    assert.deepEqual(providerChanges({ server: 'a', port: 1 }, { server: 'b', port: 1 }, { password: true, apiKey: false }), {
      server: { from: 'a', to: 'b' },
      password: 'changed',
    });
  });
});
