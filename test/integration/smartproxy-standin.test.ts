/**
 * The Smartproxy stand-in (test double) over real loopback sockets: what the provider client and
 * the metering gateway rely on — stickiness, rotation, auth, tunnels, extraction, usage, and the
 * loopback-only guarantee.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { HttpsProxyAgent } from 'https-proxy-agent';
import { ProxyAgent, request } from 'undici';
import WebSocket, { WebSocketServer } from 'ws';
import { startSmartproxyStandIn, type SmartproxyStandIn } from '../standins/smartproxy';

const ACCOUNT = { username: 'acctstandin', password: 'p@ss:word/1', apiKey: 'key-0123456789abcdef' };
const EXIT_IP = /^127\.0\.1\.\d{1,3}$/;

function basic(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

function credentialedUrl(standIn: SmartproxyStandIn, username: string, password = ACCOUNT.password): string {
  return `http://${encodeURIComponent(username)}:${encodeURIComponent(password)}@${standIn.proxyHost}:${standIn.proxyPort}`;
}

/** A fresh ProxyAgent per call, so every call is its own connection to the proxy. */
async function exitIpVia(standIn: SmartproxyStandIn, username: string, options: { tunnel?: boolean } = {}) {
  const dispatcher = new ProxyAgent({
    uri: standIn.proxyUrl,
    token: basic(username, ACCOUNT.password),
    proxyTunnel: options.tunnel ?? true,
  });
  try {
    const response = await request(standIn.echoUrl, { dispatcher });
    assert.equal(response.statusCode, 200);
    const { ip } = (await response.body.json()) as { ip: string };
    return ip;
  } finally {
    await dispatcher.close();
  }
}

type RawResponse = { status: number; headers: http.IncomingHttpHeaders; body: string };

/** A plain-forwarding proxy request written by hand, so the 4xx answers can be inspected as sent. */
function proxyGet(proxyPort: number, target: string, proxyAuthorization?: string): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1',
      port: proxyPort,
      path: target,
      agent: false,
      headers: proxyAuthorization ? { 'proxy-authorization': proxyAuthorization } : {},
    });
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function proxyConnect(proxyPort: number, target: string, proxyAuthorization: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1',
      port: proxyPort,
      method: 'CONNECT',
      path: target,
      agent: false,
      headers: { 'proxy-authorization': proxyAuthorization },
    });
    req.on('connect', (res, socket) => {
      socket.destroy();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

async function getJson(url: string, headers: Record<string, string> = {}) {
  const response = await request(url, { headers });
  return { status: response.statusCode, contentType: response.headers['content-type'], body: (await response.body.json()) as Record<string, unknown> };
}

describe('Smartproxy stand-in', () => {
  let standIn: SmartproxyStandIn;
  before(async () => {
    standIn = await startSmartproxyStandIn(ACCOUNT);
  });
  after(() => standIn.close());

  describe('gateway proxy', () => {
    it('keeps a sticky session on one exit IP across separate connections, and gives two sessions two', async () => {
      const first = await exitIpVia(standIn, `${ACCOUNT.username}-session-chipA`);
      assert.match(first, EXIT_IP);
      assert.equal(await exitIpVia(standIn, `${ACCOUNT.username}-session-chipA`), first);
      assert.equal(await exitIpVia(standIn, `${ACCOUNT.username}-session-chipA`, { tunnel: false }), first);
      assert.equal(await exitIpVia(standIn, `${ACCOUNT.username}-session-chipA-sessionduration-30`), first);
      const other = await exitIpVia(standIn, `${ACCOUNT.username}-session-chipB`);
      assert.match(other, EXIT_IP);
      assert.notEqual(other, first);
      assert.equal(await exitIpVia(standIn, `${ACCOUNT.username}-session-chipB`), other);
    });

    it('rotates the exit IP on every connection without a session', async () => {
      const seen: string[] = [];
      for (let i = 0; i < 4; i++) seen.push(await exitIpVia(standIn, ACCOUNT.username));
      for (const ip of seen) assert.match(ip, EXIT_IP);
      assert.equal(new Set(seen).size, seen.length, `rotating repeated an exit: ${seen.join(', ')}`);
    });

    it('rotates per request too when requests share one forwarding connection', async () => {
      const dispatcher = new ProxyAgent({ uri: standIn.proxyUrl, token: basic(ACCOUNT.username, ACCOUNT.password), proxyTunnel: false, connections: 1 });
      try {
        const ips: string[] = [];
        for (let i = 0; i < 3; i++) {
          const response = await request(standIn.echoUrl, { dispatcher });
          ips.push(((await response.body.json()) as { ip: string }).ip);
        }
        assert.equal(new Set(ips).size, ips.length, `rotating repeated an exit: ${ips.join(', ')}`);
      } finally {
        await dispatcher.close();
      }
    });

    it('answers a wrong password or an unknown user with 407 and the Smartproxy realm', async () => {
      for (const auth of [
        basic(ACCOUNT.username, 'wrong-password'),
        basic(`${ACCOUNT.username}-session-chipA`, 'wrong-password'),
        basic('someoneelse', ACCOUNT.password),
        basic(`${ACCOUNT.username}-session-`, ACCOUNT.password),
        undefined,
      ]) {
        const response = await proxyGet(standIn.proxyPort, standIn.echoUrl, auth);
        assert.equal(response.status, 407);
        assert.equal(response.headers['proxy-authenticate'], 'Basic realm="Smartproxy"');
      }
      const dispatcher = new ProxyAgent({ uri: standIn.proxyUrl, token: basic(ACCOUNT.username, 'wrong-password') });
      try {
        await assert.rejects(request(standIn.echoUrl, { dispatcher }), /407/);
      } finally {
        await dispatcher.close();
      }
    });

    it('tunnels through CONNECT with https-proxy-agent, from the session exit IP', async () => {
      const username = `${ACCOUNT.username}-session-tunnel1`;
      const agent = new HttpsProxyAgent(credentialedUrl(standIn, username));
      try {
        const body = await new Promise<string>((resolve, reject) => {
          http
            .get(standIn.echoUrl, { agent }, (res) => {
              let text = '';
              res.setEncoding('utf8');
              res.on('data', (chunk: string) => (text += chunk));
              res.on('end', () => resolve(text));
            })
            .on('error', reject);
        });
        const { ip } = JSON.parse(body) as { ip: string };
        assert.match(ip, EXIT_IP);
        assert.equal(await exitIpVia(standIn, username), ip);
      } finally {
        agent.destroy();
      }
    });

    it('carries a WebSocket through CONNECT and bills its bytes while it is still open', async () => {
      const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
      await new Promise<void>((resolve) => wss.once('listening', resolve));
      const peers: string[] = [];
      wss.on('connection', (socket, req) => {
        peers.push(req.socket.remoteAddress ?? '');
        socket.on('message', (data) => socket.send(data));
      });
      const agent = new HttpsProxyAgent(credentialedUrl(standIn, `${ACCOUNT.username}-session-ws1`));
      const ws = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}/ws/chat`, { agent });
      try {
        await new Promise<void>((resolve, reject) => {
          ws.once('open', resolve);
          ws.once('error', reject);
        });
        const before = standIn.accountBytes().total;
        const payload = Buffer.alloc(100_000, 'w');
        const echoed = await new Promise<Buffer>((resolve) => {
          ws.once('message', (data) => resolve(data as Buffer));
          ws.send(payload);
        });
        assert.equal(echoed.length, payload.length);
        assert.match(peers[0] ?? '', EXIT_IP);
        assert.equal(ws.readyState, WebSocket.OPEN);
        assert.ok(standIn.accountBytes().total - before >= BigInt(2 * payload.length));
      } finally {
        ws.terminate();
        agent.destroy();
        await new Promise<void>((resolve) => wss.close(() => resolve()));
      }
    });

    it('refuses targets outside loopback before dialling them', async () => {
      const auth = basic(ACCOUNT.username, ACCOUNT.password);
      // 10.255.255.1 is unroutable: had the proxy dialled it, these would hang or end in 502/504.
      assert.equal(await proxyConnect(standIn.proxyPort, '10.255.255.1:80', auth), 403);
      assert.equal(await proxyConnect(standIn.proxyPort, '10.255.255.1:443', basic(`${ACCOUNT.username}-session-out1`, ACCOUNT.password)), 403);
      const forwarded = await proxyGet(standIn.proxyPort, 'http://10.255.255.1/json', auth);
      assert.equal(forwarded.status, 403);
      assert.match(forwarded.body, /outside the stand-in's loopback range/);
      assert.equal((await proxyGet(standIn.proxyPort, 'http://example.com/', auth)).status, 403);
      assert.equal(await proxyConnect(standIn.proxyPort, '2130706433:80', auth), 403);
    });
  });

  describe('sticky session lifetime', () => {
    let shortLived: SmartproxyStandIn;
    before(async () => {
      shortLived = await startSmartproxyStandIn({ ...ACCOUNT, stickySessionMinutes: 0.01 });
    });
    after(() => shortLived.close());

    it('moves a session to a new exit IP once its lifetime ends, unless sessionduration extends it', async () => {
      const expiring = `${ACCOUNT.username}-session-short1`;
      const extended = `${ACCOUNT.username}-session-long1-sessionduration-30`;
      const expiringBefore = await exitIpVia(shortLived, expiring);
      const extendedBefore = await exitIpVia(shortLived, extended);
      await sleep(1_000); // the default lifetime here is 0.01 min = 600 ms
      const expiringAfter = await exitIpVia(shortLived, expiring);
      assert.match(expiringAfter, EXIT_IP);
      assert.notEqual(expiringAfter, expiringBefore);
      assert.equal(await exitIpVia(shortLived, extended), extendedBefore);
    });
  });

  describe('extraction API', () => {
    const extractionUrl = (params: Record<string, string>) =>
      `${standIn.apiBaseUrl}/web_v1/ip/get-ip-v3?${new URLSearchParams({ app_key: ACCOUNT.apiKey, pt: '9', cc: 'br', ...params })}`;

    it('answers code 202 to a caller that is not on the allow list, whatever the format', async () => {
      standIn.setAllowList([]);
      try {
        for (const format of ['txt', 'json']) {
          const { status, contentType, body } = await getJson(extractionUrl({ num: '1', format }));
          assert.equal(status, 200);
          assert.match(contentType as string, /^application\/json/);
          assert.deepEqual(body, { code: 202, msg: 'Please add IP in the allow list first' });
        }
      } finally {
        standIn.setAllowList(['127.0.0.1']);
      }
    });

    it('answers code 201 to a wrong app_key and 203 naming a bad parameter', async () => {
      assert.deepEqual((await getJson(extractionUrl({ app_key: 'nope', num: '1' }))).body, { code: 201, msg: 'Invalid app_key' });
      for (const [params, name] of [
        [{ num: '0' }, 'num'],
        [{ num: '501' }, 'num'],
        [{ num: '1.5' }, 'num'],
        [{ format: 'xml' }, 'format'],
        [{ life: '-5' }, 'life'],
        [{ protocol: 'socks5' }, 'protocol'],
      ] as const) {
        assert.deepEqual((await getJson(extractionUrl(params))).body, { code: 203, msg: `Invalid parameter: ${name}` });
      }
    });

    it('lists endpoints as txt lines and as json, distinct within one extraction', async () => {
      const txt = await request(extractionUrl({ num: '3', format: 'txt', life: '30', protocol: 'http' }));
      assert.equal(txt.statusCode, 200);
      assert.match(txt.headers['content-type'] as string, /^text\/plain/);
      const lines = (await txt.body.text()).split('\r\n');
      assert.equal(lines.length, 3);
      for (const line of lines) assert.match(line, /^127\.0\.0\.1:\d+$/);
      assert.equal(new Set(lines).size, 3);

      const { status, body } = await getJson(extractionUrl({ num: '2', format: 'json', life: '30', protocol: 'https' }));
      assert.equal(status, 200);
      assert.equal(body.code, 0);
      assert.equal(body.success, true);
      assert.equal(body.msg, '');
      const data = body.data as { ip: string; port: number }[];
      assert.equal(data.length, 2);
      for (const entry of data) {
        assert.equal(entry.ip, '127.0.0.1');
        assert.ok(Number.isInteger(entry.port) && entry.port > 0 && entry.port < 65536);
      }
      assert.notEqual(data[0]?.port, data[1]?.port);
    });

    it('hands out endpoints that proxy without credentials for allow-listed sources, one sticky exit each', async () => {
      const { body } = await getJson(extractionUrl({ num: '2', format: 'json', life: '30' }));
      const [first, second] = body.data as { ip: string; port: number }[];
      assert.ok(first && second);
      const exitVia = async (endpoint: { ip: string; port: number }) => {
        const dispatcher = new ProxyAgent({ uri: `http://${endpoint.ip}:${endpoint.port}` });
        try {
          const response = await request(standIn.echoUrl, { dispatcher });
          return ((await response.body.json()) as { ip: string }).ip;
        } finally {
          await dispatcher.close();
        }
      };
      const firstIp = await exitVia(first);
      assert.match(firstIp, EXIT_IP);
      assert.equal(await exitVia(first), firstIp);
      assert.notEqual(await exitVia(second), firstIp);

      standIn.setAllowList([]);
      try {
        const refused = await proxyGet(first.port, standIn.echoUrl);
        assert.equal(refused.status, 407);
      } finally {
        standIn.setAllowList(['127.0.0.1']);
      }
    });
  });

  describe('usage API', () => {
    const usageUrl = (from: Date, to: Date, username = ACCOUNT.username) =>
      `${standIn.apiBaseUrl}/api/v2/sub-users/${encodeURIComponent(username)}/traffic?${new URLSearchParams({ from: from.toISOString(), to: to.toISOString() })}`;
    const auth = { authorization: `Token ${ACCOUNT.apiKey}` };

    it('reports the bytes of a known transfer, in both directions', async () => {
      const from = new Date(Date.now() - 60_000);
      const to = new Date(Date.now() + 60_000);
      const before = (await getJson(usageUrl(from, to), auth)).body;

      const upload = 300_000;
      const download = 500_000;
      const dispatcher = new ProxyAgent({ uri: standIn.proxyUrl, token: basic(`${ACCOUNT.username}-session-usage1`, ACCOUNT.password) });
      try {
        const echoOrigin = new URL(standIn.echoUrl).origin;
        const sink = await request(`${echoOrigin}/sink`, { method: 'POST', body: Buffer.alloc(upload, 'u'), dispatcher });
        assert.deepEqual(await sink.body.json(), { received: upload });
        const bytes = await request(`${echoOrigin}/bytes/${download}`, { dispatcher });
        assert.equal((await bytes.body.arrayBuffer()).byteLength, download);
      } finally {
        await dispatcher.close();
      }

      const { status, body } = await getJson(usageUrl(from, to), auth);
      assert.equal(status, 200);
      assert.equal(body.username, ACCOUNT.username);
      assert.equal(body.from, from.toISOString());
      assert.equal(body.to, to.toISOString());
      const grew = (field: string) => BigInt(body[field] as string) - BigInt(before[field] as string);
      assert.ok(grew('traffic_tx_bytes') >= BigInt(upload), `tx grew by ${grew('traffic_tx_bytes')}`);
      assert.ok(grew('traffic_rx_bytes') >= BigInt(download), `rx grew by ${grew('traffic_rx_bytes')}`);
      assert.ok(grew('traffic_bytes') >= BigInt(upload + download));
      const total = BigInt(body.traffic_bytes as string);
      assert.equal(total, BigInt(body.traffic_rx_bytes as string) + BigInt(body.traffic_tx_bytes as string));
      assert.equal(body.traffic, Number(total) / 1024 ** 3);
      assert.ok(standIn.accountBytes().total >= total);

      const past = (await getJson(usageUrl(new Date('2020-01-01T00:00:00Z'), new Date('2020-02-01T00:00:00Z')), auth)).body;
      assert.equal(past.traffic_bytes, '0');
    });

    it('refuses a bad token, an unknown sub-user and bad dates', async () => {
      const now = new Date();
      assert.deepEqual(await getJson(usageUrl(now, now), { authorization: 'Token wrong' }), {
        status: 401,
        contentType: 'application/json; charset=utf-8',
        body: { message: 'Unauthorized' },
      });
      assert.equal((await getJson(usageUrl(now, now))).status, 401);
      const unknown = await getJson(usageUrl(now, now, 'nobody'), auth);
      assert.deepEqual([unknown.status, unknown.body], [404, { message: 'Sub-user not found' }]);
      const badFrom = await getJson(`${standIn.apiBaseUrl}/api/v2/sub-users/${ACCOUNT.username}/traffic?from=yesterday&to=${now.toISOString()}`, auth);
      assert.deepEqual([badFrom.status, badFrom.body], [400, { message: 'Invalid parameter: from' }]);
    });
  });

  describe('echo', () => {
    it('shows a direct caller its own address and 404s unknown paths', async () => {
      assert.deepEqual((await getJson(standIn.echoUrl)).body, { ip: '127.0.0.1' });
      const origin = new URL(standIn.echoUrl).origin;
      const text = await request(`${origin}/`);
      assert.equal(await text.body.text(), '127.0.0.1');
      const missing = await request(`${origin}/elsewhere`);
      assert.equal(missing.statusCode, 404);
      await missing.body.dump();
    });

    it('paces /bytes at ?rate= bytes per second, whole, and names a bad rate', async () => {
      const origin = new URL(standIn.echoUrl).origin;
      const startedAt = Date.now();
      const paced = await request(`${origin}/bytes/300000?rate=1000000`);
      assert.equal((await paced.body.arrayBuffer()).byteLength, 300_000);
      // A lower bound only: pacing can make a body slower than the machine, never faster.
      assert.ok(Date.now() - startedAt >= 290, `300,000 B at 1 MB/s took ${Date.now() - startedAt} ms`);
      for (const rate of ['0', '-5', 'fast', '1.5']) {
        const refused = await request(`${origin}/bytes/1000?rate=${rate}`);
        assert.equal(refused.statusCode, 400, `rate=${rate}`);
        assert.match(((await refused.body.json()) as { message: string }).message, /rate must be a positive whole number/);
      }
    });
  });
});
