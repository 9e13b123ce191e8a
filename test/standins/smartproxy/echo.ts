/**
 * Smartproxy STAND-IN (test double, loopback only) — "what is my IP" echo and traffic target.
 *
 *   GET  /json       {"ip":"<peer address>"}
 *   GET  /           <peer address> as text/plain
 *   GET  /bytes/<n>  n bytes of body (n ≤ 50 MiB), for pulling a known payload through the proxy;
 *                    `?rate=<bytes per second>` paces it as a residential exit's uplink would (without,
 *                    it goes at loopback speed, hundreds of MB/s, which no residential proxy carries)
 *   POST /sink       reads the body, answers {"received":<n>}, for pushing a known payload
 *
 * Behind the stand-in proxy the peer address is the exit address the proxy bound its socket to.
 */
import http from 'node:http';
import { plainAddress } from './addresses';
import { sendJson, sendText } from './http-util';

const MAX_BYTES = 50 * 1024 * 1024;
const CHUNK = Buffer.alloc(64 * 1024, 'x');
const PACE_MS = 10;

/** While `down()` is true the IP endpoints answer 503, as an echo service in an outage would. */
export function createEchoServer(down: () => boolean = () => false): http.Server {
  return http.createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://echo');
    const path = url.pathname;
    const peer = plainAddress(request.socket.remoteAddress);
    if (down() && (path === '/json' || path === '/')) {
      request.resume();
      return sendJson(response, 503, { message: 'Service unavailable' });
    }
    if (request.method === 'GET' && path === '/json') return sendJson(response, 200, { ip: peer });
    if (request.method === 'GET' && path === '/') return sendText(response, 200, peer);
    const bytes = /^\/bytes\/(\d+)$/.exec(path);
    if (request.method === 'GET' && bytes) return sendBytes(response, Number(bytes[1]), url.searchParams.get('rate'));
    if (request.method === 'POST' && path === '/sink') return sink(request, response);
    request.resume();
    sendJson(response, 404, { message: 'Not found' });
  });
}

function sendBytes(response: http.ServerResponse, count: number, rate: string | null): void {
  if (!Number.isSafeInteger(count) || count > MAX_BYTES) {
    sendJson(response, 400, { message: `Invalid parameter: n must be at most ${MAX_BYTES}` });
    return;
  }
  const bytesPerSecond = rate === null ? undefined : Number(rate);
  if (bytesPerSecond !== undefined && !(Number.isSafeInteger(bytesPerSecond) && bytesPerSecond > 0)) {
    sendJson(response, 400, { message: 'Invalid parameter: rate must be a positive whole number of bytes per second' });
    return;
  }
  response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': count });
  const startedAt = Date.now();
  let sent = 0;
  const due = (): number => (bytesPerSecond === undefined ? count : Math.min(count, Math.floor(((Date.now() - startedAt) / 1000) * bytesPerSecond)));
  // Honour backpressure so a 50 MiB body through a slow tunnel does not sit in memory.
  const pump = (): void => {
    if (response.destroyed) return;
    for (let size = Math.min(CHUNK.length, due() - sent); size > 0; size = Math.min(CHUNK.length, due() - sent)) {
      sent += size;
      if (!response.write(size === CHUNK.length ? CHUNK : CHUNK.subarray(0, size))) {
        response.once('drain', pump);
        return;
      }
    }
    if (sent === count) response.end();
    else setTimeout(pump, PACE_MS);
  };
  pump();
}

function sink(request: http.IncomingMessage, response: http.ServerResponse): void {
  let received = 0;
  request.on('data', (chunk: Buffer) => {
    received += chunk.length;
  });
  request.on('end', () => sendJson(response, 200, { received }));
}
