import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { redactAddresses } from '../../web/src/server/redact-addresses';
import { crossSiteRefusal } from '../../web/src/server/http/origin-check';

describe('redactAddresses', () => {
  it('removes IPs, host:port and URLs, keeps the words', () => {
    assert.equal(redactAddresses('connect ECONNREFUSED 10.20.30.40:7233'), 'connect ECONNREFUSED [internal address]');
    assert.equal(redactAddresses('proxy gate.smartproxy.com:7000 refused'), 'proxy [internal address] refused');
    assert.equal(redactAddresses('GET http://127.0.0.1:18082/ip failed'), 'GET [internal address] failed');
    assert.equal(redactAddresses('socket [::1]:443 closed'), 'socket [internal address] closed');
    assert.equal(redactAddresses('logged out by the phone at 12:30'), 'logged out by the phone at 12:30');
  });
});

describe('crossSiteRefusal', () => {
  const req = (method: string, headers: Record<string, string>) => ({ method, headers: new Headers(headers) });
  const own = ['https://app.example'];
  it('lets through reads, cookie-less calls and the app’s own origin', () => {
    assert.equal(crossSiteRefusal(req('GET', { cookie: 'a=b', origin: 'https://evil.example' }), own), null);
    assert.equal(crossSiteRefusal(req('POST', { origin: 'https://evil.example' }), own), null);
    assert.equal(crossSiteRefusal(req('POST', { cookie: 'a=b', origin: 'https://APP.example' }), own), null);
  });
  it('refuses a cookie-carrying POST from elsewhere or from nowhere', () => {
    assert.match(crossSiteRefusal(req('POST', { cookie: 'a=b', origin: 'https://evil.example' }), own) ?? '', /evil\.example/);
    assert.match(crossSiteRefusal(req('POST', { cookie: 'a=b' }), own) ?? '', /no Origin/);
    assert.match(crossSiteRefusal(req('POST', { cookie: 'a=b', origin: 'null' }), own) ?? '', /no Origin/);
  });
});

describe('securityHeaders', () => {
  it('forbid framing and sniffing, and keep scripts to this origin', async () => {
    const { securityHeaders } = await import('../../web/src/server/http/security-headers');
    const headers = new Map(securityHeaders({ development: false }).map((h) => [h.key, h.value]));
    assert.match(headers.get('Content-Security-Policy') ?? '', /frame-ancestors 'none'/);
    assert.match(headers.get('Content-Security-Policy') ?? '', /object-src 'none'/);
    assert.doesNotMatch(headers.get('Content-Security-Policy') ?? '', /unsafe-eval/);
    assert.equal(headers.get('X-Content-Type-Options'), 'nosniff');
    assert.equal(headers.get('X-Frame-Options'), 'DENY');
    assert.ok(headers.get('Referrer-Policy'));
  });
});
