import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeTemporalSecurity, temporalConnectionSettings } from '@chipgate/workflows/client/temporal-connection';

const files: Record<string, string> = { '/ca.pem': 'CA', '/client.pem': 'CRT', '/client.key': 'KEY' };
const readFile = (path: string) => {
  if (!(path in files)) throw new Error('ENOENT');
  return Buffer.from(files[path]!);
};

describe('temporalConnectionSettings', () => {
  it('is plaintext on the dev default', () => {
    assert.deepEqual(temporalConnectionSettings({}, readFile), { address: '127.0.0.1:7233' });
  });
  it('reads TLS, mTLS and an API key', () => {
    const settings = temporalConnectionSettings(
      {
        TEMPORAL_ADDRESS: 'temporal.internal:7233',
        TEMPORAL_TLS_SERVER_CA_FILE: '/ca.pem',
        TEMPORAL_TLS_SERVER_NAME: 'temporal',
        TEMPORAL_TLS_CLIENT_CERT_FILE: '/client.pem',
        TEMPORAL_TLS_CLIENT_KEY_FILE: '/client.key',
      },
      readFile,
    );
    assert.equal(settings.tls?.serverRootCACertificate?.toString(), 'CA');
    assert.equal(settings.tls?.clientCertPair?.key.toString(), 'KEY');
    assert.equal(settings.tls?.serverNameOverride, 'temporal');
    assert.equal(describeTemporalSecurity(settings), 'TLS + mTLS client certificate');
    const cloud = temporalConnectionSettings({ TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233', TEMPORAL_API_KEY: 'key-123' }, readFile);
    assert.deepEqual(cloud, { address: 'ns.acct.tmprl.cloud:7233', tls: {}, apiKey: 'key-123' });
    assert.equal(describeTemporalSecurity(cloud), 'TLS + API key');
  });
  it('names bad settings', () => {
    assert.throws(() => temporalConnectionSettings({ TEMPORAL_TLS_CLIENT_CERT_FILE: '/client.pem' }, readFile), /go together/);
    assert.throws(() => temporalConnectionSettings({ TEMPORAL_TLS_SERVER_CA_FILE: '/missing.pem' }, readFile), /TEMPORAL_TLS_SERVER_CA_FILE: cannot read/);
    assert.throws(() => temporalConnectionSettings({ TEMPORAL_TLS: 'yes' }, readFile), /true or false/);
    assert.throws(() => temporalConnectionSettings({ TEMPORAL_TLS: 'false', TEMPORAL_API_KEY: 'k' }, readFile), /contradicts/);
  });
});
