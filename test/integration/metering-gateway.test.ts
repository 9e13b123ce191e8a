/**
 * The metering gateway against a stand-in provider proxy, everything on 127.0.0.1.
 *
 * The proof of byte-exact metering is equality with the provider's own view: what the gateway counts
 * as a chip's `sent` must be exactly the bytes the provider read from the gateway's connections
 * (its srcRxBytes), and `received` exactly what the provider wrote to them (its srcTxBytes). Every wait
 * below is for an event (a response, an echo, a close), never for a period of time.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import { after, before, describe, it, type TestContext } from 'node:test';
import { HttpsProxyAgent } from 'https-proxy-agent';
import { Server, type ConnectionStats } from 'proxy-chain';
import { ProxyAgent, request } from 'undici';
import { startMeteringGateway, type MeteringGateway } from '@chipgate/worker/gateway/metering-gateway';

const UPSTREAM_PASSWORD = 'Upstream-Secret-7f3a9c';
const WRONG_UPSTREAM_PASSWORD = 'Wrong-Upstream-Pw-31337';

/** Request and response headers of a couple of requests plus one CONNECT exchange fit well within this. */
const HEADER_OVERHEAD_LIMIT = 2048;

type Counts = { sent: bigint; received: bigint };

/** The stand-in provider: an authenticating proxy that connects straight to loopback targets. */
async function startUpstream() {
  const connections = new Map<number, { username: string; closedStats?: ConnectionStats }>();
  const idleWaiters = new Set<() => void>();
  const server = new Server({
    host: '127.0.0.1',
    port: 0,
    authRealm: 'StandInProvider',
    prepareRequestFunction: ({ connectionId, username, password }) => {
      if (!username.startsWith('acct-session-') || password !== UPSTREAM_PASSWORD) {
        return { requestAuthentication: true, failMsg: 'Invalid provider credentials' };
      }
      connections.set(connectionId, { username });
      return {};
    },
  });
  server.on('connectionClosed', ({ connectionId, stats }: { connectionId: number; stats?: ConnectionStats }) => {
    const connection = connections.get(connectionId);
    if (connection) connection.closedStats = stats;
    if (server.getConnectionIds().every((id) => id === connectionId)) {
      for (const resolve of idleWaiters) resolve();
      idleWaiters.clear();
    }
  });
  await server.listen();
  return {
    server,
    urlFor: (session: string, password = UPSTREAM_PASSWORD) =>
      `http://acct-session-${session}:${password}@127.0.0.1:${server.port}`,
    /** What the provider read from (`sent`) and wrote to (`received`) the session's connections. */
    observed(session: string): Counts {
      let sent = 0n;
      let received = 0n;
      for (const [connectionId, connection] of connections) {
        if (connection.username !== `acct-session-${session}`) continue;
        const stats = connection.closedStats ?? server.getConnectionStats(connectionId);
        assert.ok(stats, `upstream stats for connection ${connectionId}`);
        sent += BigInt(stats.srcRxBytes);
        received += BigInt(stats.srcTxBytes);
      }
      return { sent, received };
    },
    connectionCount: (session: string) =>
      [...connections.values()].filter((connection) => connection.username === `acct-session-${session}`).length,
    /** Resolves once the provider has no open connection. */
    idle: () =>
      new Promise<void>((resolve) => {
        if (server.getConnectionIds().length === 0) resolve();
        else idleWaiters.add(resolve);
      }),
  };
}

/** The destination: GET /bytes?n=N answers N bytes, POST /sink answers how many bytes it read. */
async function startTarget() {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://target');
    if (req.method === 'GET' && url.pathname === '/bytes') {
      const size = Number(url.searchParams.get('n'));
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': size });
      res.end(Buffer.alloc(size, 0x61));
      return;
    }
    if (req.method === 'POST' && url.pathname === '/sink') {
      let received = 0;
      req.on('data', (chunk: Buffer) => (received += chunk.length));
      req.on('end', () => res.end(JSON.stringify({ received })));
      return;
    }
    res.writeHead(404).end();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, origin: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}` };
}

/**
 * A sender that streams until its socket breaks and ignores the peer's FIN (allowHalfOpen), as a
 * remote may: a tunnel that is only half-closed toward it is never torn down.
 */
async function startFirehose() {
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    const chunk = Buffer.alloc(16_384, 0x64);
    const pump = () => {
      while (!socket.destroyed && socket.write(chunk));
    };
    socket.on('drain', pump);
    socket.on('error', () => socket.destroy());
    pump();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, address: `127.0.0.1:${(server.address() as net.AddressInfo).port}` };
}

async function startEcho() {
  const server = net.createServer((socket) => socket.pipe(socket));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, address: `127.0.0.1:${(server.address() as net.AddressInfo).port}` };
}

function basic(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

type ConnectResult = { status: number; socket: net.Socket; head: Buffer; res: http.IncomingMessage };

/** A raw CONNECT, as Baileys' agent sends it. */
function connectThrough(proxyPort: number, target: string, proxyAuthorization?: string): Promise<ConnectResult> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1',
      port: proxyPort,
      method: 'CONNECT',
      path: target,
      agent: false,
      headers: proxyAuthorization ? { 'proxy-authorization': proxyAuthorization } : {},
    });
    req.on('connect', (res, socket, head) => resolve({ status: res.statusCode ?? 0, socket, head, res }));
    req.on('error', reject);
    req.end();
  });
}

/** Status line, headers and body of a refused CONNECT, as one string. */
async function refusalText({ res, socket, head }: ConnectResult): Promise<string> {
  const chunks: Buffer[] = [head];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  await once(socket, 'close');
  return `${res.statusCode} ${res.statusMessage}\n${JSON.stringify(res.headers)}\n${Buffer.concat(chunks).toString()}`;
}

/** Writes `size` bytes into an echo tunnel and resolves once all of them have come back. */
function echo(socket: net.Socket, size: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let echoed = 0;
    const onData = (chunk: Buffer) => {
      echoed += chunk.length;
      if (echoed === size) {
        socket.off('data', onData);
        resolve();
      } else if (echoed > size) {
        reject(new Error(`echo returned ${echoed} bytes, expected ${size}`));
      }
    };
    socket.on('data', onData);
    socket.write(Buffer.alloc(size, 0x62));
  });
}

async function closeTunnel(socket: net.Socket): Promise<void> {
  const closed = once(socket, 'close');
  socket.end();
  await closed;
}

function assertNoSecret(text: string, what: string, secret: string): void {
  for (const form of [secret, encodeURIComponent(secret), Buffer.from(secret).toString('base64')]) {
    assert.ok(!text.includes(form), `${what} must not contain the upstream password, got: ${text}`);
  }
  for (const user of ['acct-session-bad', 'acct-session-mis']) {
    const token = Buffer.from(`${user}:${secret}`).toString('base64');
    assert.ok(!text.includes(token), `${what} must not contain the upstream Basic token`);
  }
}

function assertWithinOverhead(counted: bigint, payload: number, what: string): void {
  assert.ok(counted >= BigInt(payload), `${what}: ${counted} counted, at least the ${payload}-byte payload expected`);
  assert.ok(
    counted < BigInt(payload + HEADER_OVERHEAD_LIMIT),
    `${what}: ${counted} counted, more than ${HEADER_OVERHEAD_LIMIT} bytes of headers over the ${payload}-byte payload`,
  );
}

// Every wait is for an event; the timeout only turns a regression that would hang (a tunnel never torn down) into a failure.
describe('metering gateway', { timeout: 60_000 }, () => {
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  let target: Awaited<ReturnType<typeof startTarget>>;
  let echoServer: Awaited<ReturnType<typeof startEcho>>;
  let firehose: Awaited<ReturnType<typeof startFirehose>>;

  before(async () => {
    upstream = await startUpstream();
    target = await startTarget();
    echoServer = await startEcho();
    firehose = await startFirehose();
  });

  after(async () => {
    await upstream.server.close(true);
    target.server.closeAllConnections();
    target.server.close();
    echoServer.server.close();
    firehose.server.close();
  });

  async function gatewayFor(t: TestContext, errors: Error[] = []): Promise<MeteringGateway> {
    const gateway = await startMeteringGateway({ onError: (error) => errors.push(error) });
    t.after(() => gateway.close());
    return gateway;
  }

  it('counts a download and an upload exactly as the provider saw them', async (t) => {
    const gateway = await gatewayFor(t);
    const chip = gateway.registerChip('dl-1', { resolveUpstream: async () => upstream.urlFor('dl1') });
    assert.equal(chip.username, 'chip-dl-1');
    const agent = new ProxyAgent({ uri: chip.proxyUrl });

    const download = await request(`${target.origin}/bytes?n=1000000`, { dispatcher: agent });
    assert.equal(download.statusCode, 200);
    assert.equal((await download.body.arrayBuffer()).byteLength, 1_000_000);
    const upload = await request(`${target.origin}/sink`, { method: 'POST', body: Buffer.alloc(300_000, 0x63), dispatcher: agent });
    assert.deepEqual(await upload.body.json(), { received: 300_000 });

    await agent.close();
    await upstream.idle();
    const counted = gateway.readCounters('dl-1');
    assert.deepEqual(counted, upstream.observed('dl1'));
    assertWithinOverhead(counted.received, 1_000_000, 'received');
    assertWithinOverhead(counted.sent, 300_000, 'sent');
  });

  it('counts the platform\u2019s own requests through a chip\u2019s proxy apart from the chip\u2019s traffic', async (t) => {
    const gateway = await gatewayFor(t);
    const chip = gateway.registerChip('pf-1', { resolveUpstream: async () => upstream.urlFor('pf1') });
    const platform = gateway.platformCredential('pf-1');
    assert.equal(platform.username, 'platform-pf-1');
    assert.notEqual(platform.password, chip.password);
    for (const [credential, size] of [[chip, 200_000], [platform, 50_000]] as const) {
      const agent = new ProxyAgent({ uri: credential.proxyUrl });
      const response = await request(`${target.origin}/bytes?n=${size}`, { dispatcher: agent });
      assert.equal((await response.body.arrayBuffer()).byteLength, size);
      await agent.close();
    }
    await upstream.idle();
    const chipBytes = gateway.readCounters('pf-1');
    const platformBytes = gateway.readCounters('pf-1', 'platform');
    assertWithinOverhead(chipBytes.received, 200_000, 'chip received');
    assertWithinOverhead(platformBytes.received, 50_000, 'platform received');
    const observed = upstream.observed('pf1');
    assert.deepEqual({ sent: chipBytes.sent + platformBytes.sent, received: chipBytes.received + platformBytes.received }, observed, 'together they are what the provider saw');
  });

  it('counts plain-HTTP requests forwarded without a tunnel', async (t) => {
    const gateway = await gatewayFor(t);
    const chip = gateway.registerChip('fw-1', { resolveUpstream: async () => upstream.urlFor('fw1') });
    const agent = new ProxyAgent({ uri: chip.proxyUrl, proxyTunnel: false });

    for (const size of [400_000, 600_000]) {
      const response = await request(`${target.origin}/bytes?n=${size}`, { dispatcher: agent });
      assert.equal((await response.body.arrayBuffer()).byteLength, size);
    }

    await agent.close();
    await upstream.idle();
    // One fresh upstream connection per forwarded request, so no upstream socket is shared between chips.
    assert.equal(upstream.connectionCount('fw1'), 2);
    const counted = gateway.readCounters('fw-1');
    assert.deepEqual(counted, upstream.observed('fw1'));
    assertWithinOverhead(counted.received, 1_000_000, 'received');
  });

  it('counts a long-lived tunnel while it is open, and not again when it closes', async (t) => {
    const gateway = await gatewayFor(t);
    const chip = gateway.registerChip('ws-1', { resolveUpstream: async () => upstream.urlFor('ws1') });
    const tunnel = await connectThrough(gateway.port, echoServer.address, basic(chip.username, chip.password));
    assert.equal(tunnel.status, 200);

    await echo(tunnel.socket, 50_000);
    const first = gateway.readCounters('ws-1');
    assert.deepEqual(first, upstream.observed('ws1'), 'live reading matches the provider while the tunnel is open');
    assertWithinOverhead(first.sent, 50_000, 'sent');
    assertWithinOverhead(first.received, 50_000, 'received');

    await echo(tunnel.socket, 70_000);
    const second = gateway.readCounters('ws-1');
    // Inside an established tunnel there is no framing: the delta is the payload to the byte.
    assert.equal(second.sent - first.sent, 70_000n);
    assert.equal(second.received - first.received, 70_000n);
    assert.deepEqual(second, upstream.observed('ws1'));

    await closeTunnel(tunnel.socket);
    await upstream.idle();
    // Closing the gateway settles every connection through its close event, the path that could double count.
    await gateway.close();
    const afterClose = gateway.readCounters('ws-1');
    assert.deepEqual(afterClose, second);
    assert.deepEqual(afterClose, upstream.observed('ws1'));
  });

  it('refuses a wrong password, an unknown chip and a missing credential with 407', async (t) => {
    const gateway = await gatewayFor(t);
    const chip = gateway.registerChip('auth-1', { resolveUpstream: async () => upstream.urlFor('auth1') });

    for (const authorization of [basic(chip.username, `${chip.password}x`), basic('chip-nobody', chip.password), undefined]) {
      const refused = await connectThrough(gateway.port, echoServer.address, authorization);
      assert.equal(refused.status, 407);
      assert.match(refused.res.headers['proxy-authenticate'] ?? '', /^Basic realm=/);
      assert.match(await refusalText(refused), /Invalid proxy credentials|Proxy credentials required/);
    }
    assert.deepEqual(gateway.readCounters('auth-1'), { sent: 0n, received: 0n });
    assert.equal(upstream.connectionCount('auth1'), 0);
  });

  it('pauses a chip: refuses new tunnels naming the reason, cuts live ones, and resumes', async (t) => {
    const gateway = await gatewayFor(t);
    const chip = gateway.registerChip('pz-1', { resolveUpstream: async () => upstream.urlFor('pz1') });
    const auth = basic(chip.username, chip.password);
    const live = await connectThrough(gateway.port, echoServer.address, auth);
    assert.equal(live.status, 200);
    await echo(live.socket, 10_000);

    const liveClosed = once(live.socket, 'close');
    gateway.pauseChip('pz-1', 'monthly quota reached');
    assert.equal(gateway.isPaused('pz-1'), true);
    await liveClosed;
    // The cut reaches the provider too: its side of the tunnel is torn down, not left draining.
    await upstream.idle();
    const counted = gateway.readCounters('pz-1');
    assert.deepEqual(counted, upstream.observed('pz1'), 'bytes moved before the pause stay counted');
    assertWithinOverhead(counted.sent, 10_000, 'sent');

    const refused = await connectThrough(gateway.port, echoServer.address, auth);
    assert.equal(refused.status, 403);
    assert.match(await refusalText(refused), /chip paused: monthly quota reached/);
    assert.deepEqual(gateway.readCounters('pz-1'), counted, 'a refused tunnel moves nothing upstream');

    gateway.resumeChip('pz-1');
    assert.equal(gateway.isPaused('pz-1'), false);
    const again = await connectThrough(gateway.port, echoServer.address, auth);
    assert.equal(again.status, 200);
    await echo(again.socket, 1_000);
    await closeTunnel(again.socket);
  });

  it('tears down the provider side of a tunnel cut in the middle of a download', async (t) => {
    const gateway = await gatewayFor(t);
    const chip = gateway.registerChip('cut-1', { resolveUpstream: async () => upstream.urlFor('cut1') });
    const tunnel = await connectThrough(gateway.port, firehose.address, basic(chip.username, chip.password));
    assert.equal(tunnel.status, 200);
    const streaming = new Promise<void>((resolve) => {
      let received = 0;
      tunnel.socket.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received > 1_000_000) resolve();
      });
    });
    await streaming;

    const closed = once(tunnel.socket, 'close');
    gateway.pauseChip('cut-1', 'monthly quota reached');
    await closed;
    // The firehose never stops on its own: the provider's connection only ends because the gateway tore
    // it down rather than half-closing it and draining what keeps arriving (and is billed).
    await upstream.idle();
    const counted = gateway.readCounters('cut-1');
    assert.ok(counted.received > 1_000_000n, `received ${counted.received}`);
    // What was in flight when the tunnel was cut, the provider wrote but the gateway never read.
    assert.ok(counted.received <= upstream.observed('cut1').received);
  });

  it('attributes two chips’ bytes separately', async (t) => {
    const gateway = await gatewayFor(t);
    const chipA = gateway.registerChip('two-a', { resolveUpstream: async () => upstream.urlFor('twoa') });
    const chipB = gateway.registerChip('two-b', { resolveUpstream: async () => upstream.urlFor('twob') });
    assert.notEqual(chipA.password, chipB.password);

    const agentA = new ProxyAgent({ uri: chipA.proxyUrl });
    // Chip B goes the way a Baileys WebSocket does: an http.Agent that tunnels with CONNECT.
    const agentB = new HttpsProxyAgent(chipB.proxyUrl);
    const downloadB = new Promise<number>((resolve, reject) => {
      http
        .get(`${target.origin}/bytes?n=700000`, { agent: agentB }, (res) => {
          let size = 0;
          res.on('data', (chunk: Buffer) => (size += chunk.length));
          res.on('end', () => resolve(size));
        })
        .on('error', reject);
    });
    const downloadA = request(`${target.origin}/bytes?n=200000`, { dispatcher: agentA }).then(
      async (response) => (await response.body.arrayBuffer()).byteLength,
    );
    assert.deepEqual(await Promise.all([downloadA, downloadB]), [200_000, 700_000]);

    await agentA.close();
    agentB.destroy();
    await upstream.idle();
    const countedA = gateway.readCounters('two-a');
    const countedB = gateway.readCounters('two-b');
    assert.deepEqual(countedA, upstream.observed('twoa'));
    assert.deepEqual(countedB, upstream.observed('twob'));
    assertWithinOverhead(countedA.received, 200_000, 'chip A received');
    assertWithinOverhead(countedB.received, 700_000, 'chip B received');
  });

  it('re-registers a chip without changing its credential, and unregistering cuts and forgets it', async (t) => {
    const gateway = await gatewayFor(t);
    const first = gateway.registerChip('re-1', { resolveUpstream: async () => upstream.urlFor('re1old') });
    const live = await connectThrough(gateway.port, echoServer.address, basic(first.username, first.password));
    await echo(live.socket, 5_000);

    // A reassigned session: new connections go to the new upstream with the credential clients already hold.
    const second = gateway.registerChip('re-1', { resolveUpstream: async () => upstream.urlFor('re1new') });
    assert.deepEqual(second, first);
    const moved = await connectThrough(gateway.port, echoServer.address, basic(second.username, second.password));
    assert.equal(moved.status, 200);
    await echo(moved.socket, 5_000);
    assert.equal(upstream.connectionCount('re1new'), 1);
    const counted = gateway.readCounters('re-1');
    const old = upstream.observed('re1old');
    const current = upstream.observed('re1new');
    assert.deepEqual(counted, { sent: old.sent + current.sent, received: old.received + current.received });

    const cut = Promise.all([once(live.socket, 'close'), once(moved.socket, 'close')]);
    gateway.unregisterChip('re-1');
    await cut;
    assert.throws(() => gateway.readCounters('re-1'), /chip re-1 is not registered with this worker's metering gateway/);
    const refused = await connectThrough(gateway.port, echoServer.address, basic(first.username, first.password));
    assert.equal(refused.status, 407);
    await refusalText(refused);
    gateway.unregisterChip('re-1');
  });

  it('keeps one keep-alive connection to one chip', async (t) => {
    const gateway = await gatewayFor(t);
    const chipA = gateway.registerChip('ka-a', { resolveUpstream: async () => upstream.urlFor('kaa') });
    const chipB = gateway.registerChip('ka-b', { resolveUpstream: async () => upstream.urlFor('kab') });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    t.after(() => agent.destroy());
    const viaGateway = (authorization: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        http
          .get({ host: '127.0.0.1', port: gateway.port, path: `${target.origin}/bytes?n=10`, agent, headers: { 'proxy-authorization': authorization } }, (res) => {
            let body = '';
            res.on('data', (chunk: Buffer) => (body += chunk.toString()));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
          })
          .on('error', reject);
      });

    assert.equal((await viaGateway(basic(chipA.username, chipA.password))).status, 200);
    const mixed = await viaGateway(basic(chipB.username, chipB.password));
    assert.equal(mixed.status, 403);
    assert.match(mixed.body, /already carries another chip/);
  });

  it('never reveals the upstream password when the upstream or its URL is refused', async (t) => {
    const errors: Error[] = [];
    const gateway = await gatewayFor(t, errors);
    const refusedUpstream = gateway.registerChip('bad-1', {
      resolveUpstream: async () => upstream.urlFor('bad', WRONG_UPSTREAM_PASSWORD),
    });

    const tunnel = await connectThrough(gateway.port, echoServer.address, basic(refusedUpstream.username, refusedUpstream.password));
    // proxy-chain's own code for "upstream refused the credentials".
    assert.equal(tunnel.status, 597);
    assertNoSecret(await refusalText(tunnel), 'refused tunnel response', WRONG_UPSTREAM_PASSWORD);

    const forward = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      http
        .get(
          {
            host: '127.0.0.1',
            port: gateway.port,
            path: `${target.origin}/bytes?n=10`,
            agent: false,
            headers: { 'proxy-authorization': basic(refusedUpstream.username, refusedUpstream.password) },
          },
          (res) => {
            let body = '';
            res.on('data', (chunk: Buffer) => (body += chunk.toString()));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body: `${JSON.stringify(res.headers)}\n${body}` }));
          },
        )
        .on('error', reject);
    });
    assert.equal(forward.status, 597);
    assertNoSecret(forward.body, 'refused forward response', WRONG_UPSTREAM_PASSWORD);

    const agent = new ProxyAgent({ uri: refusedUpstream.proxyUrl });
    t.after(() => agent.close());
    const thrown = await request(`${target.origin}/bytes?n=10`, { dispatcher: agent }).then(
      () => assert.fail('a refused upstream must fail the request'),
      (error: Error) => error,
    );
    assertNoSecret(`${thrown.message}\n${thrown.stack}`, 'error thrown to the client', WRONG_UPSTREAM_PASSWORD);

    // Resolvers that fail, or hand back a URL proxy-chain would quote in its own error message.
    const badResolvers: Record<string, () => Promise<string>> = {
      'mis-throws': async () => {
        throw new Error(`provider lookup failed for http://acct-session-mis:${WRONG_UPSTREAM_PASSWORD}@127.0.0.1:1`);
      },
      'mis-protocol': async () => `ftp://acct-session-mis:${WRONG_UPSTREAM_PASSWORD}@127.0.0.1:21`,
      'mis-unparsable': async () => `http://acct-session-mis:${WRONG_UPSTREAM_PASSWORD}@[127.0.0.1`,
    };
    for (const [chipId, resolveUpstream] of Object.entries(badResolvers)) {
      const chip = gateway.registerChip(chipId, { resolveUpstream });
      const refused = await connectThrough(gateway.port, echoServer.address, basic(chip.username, chip.password));
      assert.equal(refused.status, 502, chipId);
      assertNoSecret(await refusalText(refused), `${chipId} response`, WRONG_UPSTREAM_PASSWORD);
    }

    assert.ok(errors.some((error) => /refused a tunnel of chip bad-1 with HTTP 407/.test(error.message)), 'the refusal is reported');
    assert.ok(errors.some((error) => /mis-throws.*<redacted>@/.test(error.message)));
    assert.ok(errors.some((error) => /mis-protocol has unsupported protocol "ftp:"/.test(error.message)));
    assert.ok(errors.some((error) => /mis-unparsable cannot be parsed/.test(error.message)));
    for (const error of errors) assertNoSecret(`${error.message}\n${error.stack}`, 'reported error', WRONG_UPSTREAM_PASSWORD);
  });
});
