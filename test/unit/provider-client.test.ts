import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import {
  ProviderAllowListError,
  ProviderApiError,
  ProviderAuthError,
  ProviderConfigError,
  ProviderUnreachableError,
  accountUsage,
  buildProxyUrl,
  echoedExitIp,
  createProxyHttpAgent,
  extractEndpoints,
  redactProxyUrl,
  testConnection,
  type ConnectionTestResult,
  type ProviderApiAccess,
  type ResolvedProvider,
} from '@chipgate/activities/providers/index';

// Every server here listens on 127.0.0.1 and the proxies only ever dial 127.0.0.1.
const HOST = '127.0.0.1';
const USER = 'acct';
const PASSWORD = 'pw:with@odd/chars%';

const servers: net.Server[] = [];
const sockets = new Set<net.Socket>();

async function listen(server: net.Server): Promise<number> {
  servers.push(server);
  server.on('connection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
  return (server.address() as net.AddressInfo).port;
}

after(async () => {
  for (const socket of sockets) socket.destroy();
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
});

/** A port that was just free: nothing listens there. */
async function deadPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function pipeTo(client: net.Socket, port: number, onReady: () => void): void {
  const upstream = net.connect(port, HOST, () => {
    onReady();
    upstream.pipe(client);
    client.pipe(upstream);
  });
  upstream.on('error', () => client.destroy());
  client.on('error', () => upstream.destroy());
}

/** Answers the caller's own address, in the shape the path asks for. */
function echoServer(): http.Server {
  return http.createServer((req, res) => {
    const ip = req.socket.remoteAddress?.replace(/^::ffff:/, '') ?? '';
    if (req.url === '/json') res.end(JSON.stringify({ ip }));
    else if (req.url === '/nested') res.end(JSON.stringify({ proxy: { ip } }));
    else if (req.url === '/text') res.end(`${ip}\n`);
    else if (req.url === '/garbage') res.end('hello');
    else res.writeHead(500).end();
  });
}

/** An HTTP CONNECT proxy with Basic auth; wrong credentials get 407, plain requests too. */
function httpProxy(seenUsers: string[]): http.Server {
  const refuse = 'HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="test"\r\nContent-Length: 0\r\n\r\n';
  const server = http.createServer((_req, res) => {
    res.writeHead(407, { 'proxy-authenticate': 'Basic realm="test"' }).end();
  });
  server.on('connect', (req: http.IncomingMessage, client: net.Socket) => {
    const encoded = /^Basic (.+)$/.exec(req.headers['proxy-authorization'] ?? '')?.[1] ?? '';
    const decoded = Buffer.from(encoded, 'base64').toString();
    const user = decoded.slice(0, decoded.indexOf(':'));
    const password = decoded.slice(decoded.indexOf(':') + 1);
    if (!(user === USER || user.startsWith(`${USER}-session-`)) || password !== PASSWORD) {
      client.end(refuse);
      return;
    }
    seenUsers.push(user);
    const [host, port] = (req.url ?? '').split(':');
    if (host !== HOST) {
      client.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    pipeTo(client, Number(port), () => client.write('HTTP/1.1 200 Connection Established\r\n\r\n'));
  });
  return server;
}

/**
 * A SOCKS5 proxy with username/password auth (RFC 1928/1929). Each handshake message is read as
 * one chunk: the client waits for every answer before sending the next, and loopback does not split them.
 */
function socksProxy(seenUsers: string[]): net.Server {
  return net.createServer((client) => {
    client.on('error', () => client.destroy());
    client.once('data', (greeting) => {
      if (!greeting.subarray(2).includes(2)) return void client.end(Buffer.from([5, 0xff]));
      client.write(Buffer.from([5, 2]));
      client.once('data', (auth) => {
        const userLength = auth[1]!;
        const user = auth.subarray(2, 2 + userLength).toString();
        const password = auth.subarray(3 + userLength, 3 + userLength + auth[2 + userLength]!).toString();
        if (!user.startsWith(USER) || password !== PASSWORD) return void client.end(Buffer.from([1, 1]));
        seenUsers.push(user);
        client.write(Buffer.from([1, 0]));
        client.once('data', (request) => {
          const addressType = request[3];
          const host =
            addressType === 1 ? [...request.subarray(4, 8)].join('.') : request.subarray(5, 5 + request[4]!).toString();
          const port = request.readUInt16BE(addressType === 1 ? 8 : 5 + request[4]!);
          if (host !== HOST) return void client.end(Buffer.from([5, 2, 0, 1, 0, 0, 0, 0, 0, 0]));
          pipeTo(client, port, () => client.write(Buffer.from([5, 0, 0, 1, 127, 0, 0, 1, 0, 0])));
        });
      });
    });
  });
}

function provider(port: number, overrides: Partial<ResolvedProvider> = {}): ResolvedProvider {
  return {
    name: 'Smartproxy BR',
    server: HOST,
    port,
    protocol: 'HTTP',
    username: USER,
    password: PASSWORD,
    usernameTemplate: '{username}-session-{session}',
    ...overrides,
  };
}

function failure(result: ConnectionTestResult): { reason: string; message: string } {
  assert.equal(result.ok, false, `expected a failure, got ${JSON.stringify(result)}`);
  assert.ok(!result.message.includes(PASSWORD) && !result.message.includes(encodeURIComponent(PASSWORD)));
  return result;
}

describe('testConnection', () => {
  const seenUsers: string[] = [];
  let echo: string;
  let proxyPort: number;
  let socksPort: number;

  before(async () => {
    echo = `http://${HOST}:${await listen(echoServer())}`;
    proxyPort = await listen(httpProxy(seenUsers));
    socksPort = await listen(socksProxy(seenUsers));
  });

  it('reports the exit IP through an HTTP proxy, for each echo answer shape', async () => {
    for (const path of ['/json', '/nested', '/text']) {
      const result = await testConnection(provider(proxyPort), { echoUrl: `${echo}${path}` });
      assert.ok(result.ok, JSON.stringify(result));
      assert.equal(result.exitIp, HOST);
      assert.ok(result.latencyMs >= 0);
    }
  });

  it('uses the plain username to rotate and the template for a sticky session', async () => {
    seenUsers.length = 0;
    await testConnection(provider(proxyPort), { echoUrl: `${echo}/json` });
    await testConnection(provider(proxyPort), { echoUrl: `${echo}/json`, sessionId: 'abc123' });
    assert.deepEqual(seenUsers, [USER, `${USER}-session-abc123`]);
  });

  it('reports refused credentials (407) naming the provider', async () => {
    const result = failure(await testConnection(provider(proxyPort, { password: 'wrong' }), { echoUrl: `${echo}/json` }));
    assert.equal(result.reason, 'auth_refused');
    assert.equal(
      result.message,
      'Provider "Smartproxy BR" refused the credentials (HTTP 407): check the username and password',
    );
  });

  it('reports a port with nothing listening as unreachable', async () => {
    const result = failure(await testConnection(provider(await deadPort()), { echoUrl: `${echo}/json` }));
    assert.equal(result.reason, 'unreachable');
    assert.match(result.message, /^Provider "Smartproxy BR" refused the connection .* at 127\.0\.0\.1:\d+$/);
  });

  it('gives up on a proxy that never answers after timeoutMs', async () => {
    const silentPort = await listen(net.createServer());
    const result = failure(await testConnection(provider(silentPort), { echoUrl: `${echo}/json`, timeoutMs: 200 }));
    assert.equal(result.reason, 'timeout');
    assert.match(result.message, /did not complete the test request within 200 ms/);
  });

  it('recognises a web server that is not a proxy', async () => {
    const web = http.createServer((_req, res) => res.end('hi'));
    web.on('connect', (_req: http.IncomingMessage, client: net.Socket) => client.end('HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n'));
    const result = failure(await testConnection(provider(await listen(web)), { echoUrl: `${echo}/json` }));
    assert.equal(result.reason, 'not_a_proxy');
    assert.match(result.message, /answered the proxy CONNECT request with HTTP 405/);
  });

  it('calls an exit IP equal to the direct IP not a proxy', async () => {
    const directIp = await echoedExitIp(`${echo}/json`);
    assert.equal(directIp, HOST);
    const result = failure(await testConnection(provider(proxyPort), { echoUrl: `${echo}/json`, directIp }));
    assert.equal(result.reason, 'not_a_proxy');
    await assert.rejects(echoedExitIp(`${echo}/garbage`), /answered without an IP address/);
  });

  it('reports an echo answer without an IP, or an error status, as a bad response', async () => {
    assert.equal(failure(await testConnection(provider(proxyPort), { echoUrl: `${echo}/garbage` })).reason, 'bad_response');
    const status = failure(await testConnection(provider(proxyPort), { echoUrl: `${echo}/missing` }));
    assert.equal(status.reason, 'bad_response');
    assert.match(status.message, /HTTP 500/);
  });

  it('works through a SOCKS5 proxy and reports its refused credentials', async () => {
    seenUsers.length = 0;
    const socks = provider(socksPort, { protocol: 'SOCKS5' });
    const result = await testConnection(socks, { echoUrl: `${echo}/json`, sessionId: 'S1' });
    assert.ok(result.ok, JSON.stringify(result));
    assert.equal(result.exitIp, HOST);
    assert.deepEqual(seenUsers, [`${USER}-session-S1`]);

    const refused = failure(await testConnection({ ...socks, password: 'wrong' }, { echoUrl: `${echo}/json` }));
    assert.equal(refused.reason, 'auth_refused');
    assert.match(refused.message, /^Provider "Smartproxy BR" refused the credentials \(SOCKS5 authentication failed\)/);
  });

  it('recognises an HTTP proxy configured as SOCKS5', async () => {
    const result = failure(await testConnection(provider(proxyPort, { protocol: 'SOCKS5' }), { echoUrl: `${echo}/json` }));
    assert.equal(result.reason, 'not_a_proxy');
  });
});

describe('proxy endpoint', () => {
  const seenUsers: string[] = [];
  let echo: string;
  let proxyPort: number;
  let socksPort: number;

  before(async () => {
    echo = `http://${HOST}:${await listen(echoServer())}`;
    proxyPort = await listen(httpProxy(seenUsers));
    socksPort = await listen(socksProxy(seenUsers));
  });

  it('builds URL-encoded proxy URLs and redacts their password', () => {
    const url = buildProxyUrl(provider(7000), 'S1');
    assert.equal(url, `http://acct-session-S1:${encodeURIComponent(PASSWORD)}@127.0.0.1:7000`);
    assert.equal(decodeURIComponent(new URL(url).password), PASSWORD);
    assert.equal(redactProxyUrl(url), 'http://acct-session-S1:***@127.0.0.1:7000/');
    assert.equal(buildProxyUrl(provider(1080, { protocol: 'SOCKS5', server: '2001:db8::1' })).split('@')[1], '[2001:db8::1]:1080');
    assert.equal(redactProxyUrl('not a url :secret@'), '<unparseable proxy URL>');
  });

  it('gives WebSocket clients an http.Agent through the same proxy', async () => {
    seenUsers.length = 0;
    for (const [protocol, port] of [['HTTP', proxyPort], ['SOCKS5', socksPort]] as const) {
      const agent = createProxyHttpAgent(buildProxyUrl(provider(port, { protocol }), 'ws1'));
      const body = await new Promise<string>((resolve, reject) => {
        http
          .get(`${echo}/text`, { agent }, (res) => {
            let text = '';
            res.on('data', (chunk: Buffer) => (text += chunk.toString()));
            res.on('end', () => resolve(text));
          })
          .on('error', reject);
      });
      agent.destroy();
      assert.equal(body.trim(), HOST);
    }
    assert.deepEqual(seenUsers, [`${USER}-session-ws1`, `${USER}-session-ws1`]);
  });
});

describe('provider APIs', () => {
  let reply: (req: http.IncomingMessage, res: http.ServerResponse) => void = (_req, res) => res.end();
  let lastRequest: http.IncomingMessage | undefined;
  let api: ProviderApiAccess;

  before(async () => {
    const port = await listen(
      http.createServer((req, res) => {
        lastRequest = req;
        reply(req, res);
      }),
    );
    api = { name: 'Smartproxy BR', username: 'sub user', apiBaseUrl: `http://${HOST}:${port}/`, apiKey: 'key-123' };
  });

  const extract = { num: 2, lifeMinutes: 30, protocol: 'http' } as const;
  const json = (body: unknown) => (_req: http.IncomingMessage, res: http.ServerResponse) => res.end(JSON.stringify(body));
  const text = (body: string) => (_req: http.IncomingMessage, res: http.ServerResponse) => res.end(body);

  it('extracts endpoints as JSON, sending the documented query', async () => {
    reply = json({ code: 0, success: true, msg: '', data: [{ ip: '203.0.113.7', port: 8000 }, { ip: '203.0.113.8', port: 8001 }] });
    const endpoints = await extractEndpoints(api, { ...extract, countryCode: 'br' });
    assert.deepEqual(endpoints, [
      { host: '203.0.113.7', port: 8000 },
      { host: '203.0.113.8', port: 8001 },
    ]);
    const url = new URL(lastRequest!.url!, 'http://x');
    assert.equal(url.pathname, '/web_v1/ip/get-ip-v3');
    assert.deepEqual(Object.fromEntries(url.searchParams), {
      app_key: 'key-123',
      pt: '9',
      num: '2',
      cc: 'BR',
      life: '30',
      format: 'json',
      protocol: 'http',
    });
  });

  it('extracts endpoints as txt lines', async () => {
    reply = text('203.0.113.7:8000\r\n203.0.113.8:8001\n');
    assert.deepEqual(await extractEndpoints(api, { ...extract, format: 'txt' }), [
      { host: '203.0.113.7', port: 8000 },
      { host: '203.0.113.8', port: 8001 },
    ]);
  });

  it('turns code 202 into an actionable allow-list error, whatever the format', async () => {
    reply = json({ code: 202, msg: 'Please add IP in the allow list first' });
    for (const format of ['json', 'txt'] as const) {
      await assert.rejects(extractEndpoints(api, { ...extract, format }), (error: Error) => {
        assert.ok(error instanceof ProviderAllowListError);
        assert.equal(
          error.message,
          'Provider "Smartproxy BR" refused the extraction request: add this server\'s public IP to the provider\'s allow list (dashboard → Whitelisted IPs), then retry',
        );
        return true;
      });
    }
  });

  it('turns code 201 into a bad key error and other codes into errors quoting msg', async () => {
    reply = json({ code: 201, msg: 'app_key error' });
    await assert.rejects(extractEndpoints(api, extract), ProviderAuthError);
    reply = json({ code: 7, msg: 'Insufficient balance' });
    await assert.rejects(extractEndpoints(api, extract), (error: Error) => {
      assert.ok(error instanceof ProviderApiError);
      assert.match(error.message, /\(code 7\): "Insufficient balance"/);
      return true;
    });
  });

  it('names what is malformed in an extraction answer', async () => {
    reply = text('203.0.113.7:8000\nnot an endpoint\n');
    await assert.rejects(extractEndpoints(api, { ...extract, format: 'txt' }), {
      name: 'ProviderResponseError',
      message: /malformed line 2 \("not an endpoint"\)/,
    });
    reply = text('203.0.113.7:70000');
    await assert.rejects(extractEndpoints(api, { ...extract, format: 'txt' }), { message: /malformed line 1 .*1-65535/ });
    reply = text('<html>busy</html>');
    await assert.rejects(extractEndpoints(api, extract), { name: 'ProviderResponseError', message: /not JSON/ });
    reply = json({ code: 0, data: [{ ip: '203.0.113.7', port: 0 }] });
    await assert.rejects(extractEndpoints(api, extract), { name: 'ProviderResponseError', message: /data\[0\]/ });
  });

  it('reads account usage in bytes, with the token header', async () => {
    reply = json({
      username: 'sub user',
      from: 'x',
      to: 'y',
      traffic: 1.5,
      traffic_bytes: '1610612736',
      traffic_rx_bytes: '1610612000',
      traffic_tx_bytes: '736',
    });
    const from = new Date('2026-11-01T00:00:00.000Z');
    const to = new Date('2026-12-01T00:00:00.000Z');
    assert.deepEqual(await accountUsage(api, { from, to }), {
      bytesTotal: 1_610_612_736n,
      bytesReceived: 1_610_612_000n,
      bytesSent: 736n,
    });
    const url = new URL(lastRequest!.url!, 'http://x');
    assert.equal(url.pathname, '/api/v2/sub-users/sub%20user/traffic');
    assert.equal(url.searchParams.get('from'), from.toISOString());
    assert.equal(url.searchParams.get('to'), to.toISOString());
    assert.equal(lastRequest!.headers.authorization, 'Token key-123');
  });

  it('derives the total from GB when the byte strings are absent', async () => {
    reply = json({ username: 'sub user', traffic: 0.5 });
    assert.deepEqual(await accountUsage(api, { from: new Date(0), to: new Date(1) }), {
      bytesTotal: 536_870_912n,
      bytesReceived: null,
      bytesSent: null,
    });
  });

  it('reports a rejected API key and malformed usage answers', async () => {
    reply = (_req, res) => res.writeHead(401).end('{"detail":"Invalid token."}');
    await assert.rejects(accountUsage(api, { from: new Date(0), to: new Date(1) }), {
      name: 'ProviderAuthError',
      message: /^Provider "Smartproxy BR" rejected the API key \(HTTP 401\)/,
    });
    reply = json({ traffic_bytes: '12.5' });
    await assert.rejects(accountUsage(api, { from: new Date(0), to: new Date(1) }), { name: 'ProviderResponseError', message: /"traffic_bytes"/ });
    reply = (_req, res) => res.writeHead(502).end();
    await assert.rejects(accountUsage(api, { from: new Date(0), to: new Date(1) }), { name: 'ProviderResponseError', message: /HTTP 502/ });
  });

  it('classifies an API that is down or silent, without leaking the key', async () => {
    const down = { ...api, apiBaseUrl: `http://${HOST}:${await deadPort()}` };
    await assert.rejects(extractEndpoints(down, extract), (error: Error) => {
      assert.ok(error instanceof ProviderUnreachableError);
      assert.ok(!error.message.includes('key-123'));
      return true;
    });
    const silent = { ...api, apiBaseUrl: `http://${HOST}:${await listen(net.createServer())}` };
    await assert.rejects(accountUsage(silent, { from: new Date(0), to: new Date(1), timeoutMs: 200 }), {
      name: 'ProviderUnreachableError',
      message: /did not answer the usage request within 200 ms/,
    });
  });

  it('says which API setting is missing', async () => {
    await assert.rejects(extractEndpoints({ ...api, apiKey: null }, extract), (error: Error) => {
      assert.ok(error instanceof ProviderConfigError);
      assert.match(error.message, /has no apiKey/);
      return true;
    });
    await assert.rejects(accountUsage({ ...api, apiBaseUrl: null }, { from: new Date(0), to: new Date(1) }), /has no apiBaseUrl/);
  });
});
