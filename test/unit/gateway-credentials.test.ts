import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chipOfUsername, chipUsername, newChipPassword, passwordMatches } from '@chipgate/worker/gateway/chip-credentials';
import { withoutCredentials } from '@chipgate/activities/logging/redact';

describe('chip credentials', () => {
  it('maps a chip id to its proxy username and back', () => {
    const chipId = '3f1c2a9e-8d7b-4c6a-9e1f-0a2b3c4d5e6f';
    assert.equal(chipUsername(chipId), `chip-${chipId}`);
    assert.deepEqual(chipOfUsername(chipUsername(chipId)), { chipId, kind: 'chip' });
    assert.equal(chipOfUsername('acct-session-1'), null);
  });

  it('gives the platform\u2019s own requests through a chip\u2019s proxy a username of their own', () => {
    const chipId = '3f1c2a9e-8d7b-4c6a-9e1f-0a2b3c4d5e6f';
    assert.equal(chipUsername(chipId, 'platform'), `platform-${chipId}`);
    assert.deepEqual(chipOfUsername(chipUsername(chipId, 'platform')), { chipId, kind: 'platform' });
  });

  it('refuses chip ids a Basic credential or a URL could not carry', () => {
    for (const bad of ['', 'a:b', 'a b', '-lead', 'x'.repeat(129), 'é']) {
      assert.throws(() => chipUsername(bad), /chipId must be 1-128 letters/);
    }
  });

  it('makes distinct URL-safe passwords and compares them exactly', () => {
    const password = newChipPassword();
    assert.match(password, /^[A-Za-z0-9_-]{32}$/);
    assert.notEqual(newChipPassword(), password);
    assert.equal(passwordMatches(password, password), true);
    assert.equal(passwordMatches(`${password}x`, password), false);
    assert.equal(passwordMatches('', password), false);
  });
});

describe('withoutCredentials', () => {
  it('removes URL user info and auth tokens', () => {
    assert.equal(
      withoutCredentials('connect to http://user-session-1:s3cr3t@gate.example:7000 failed'),
      'connect to http://<redacted>@gate.example:7000 failed',
    );
    assert.equal(withoutCredentials('socks5://u:p@h:1 and https://h/path'), 'socks5://<redacted>@h:1 and https://h/path');
    assert.equal(withoutCredentials('Proxy-Authorization: Basic dXNlcjpwYXNz'), 'Proxy-Authorization: Basic <redacted>');
  });
});
