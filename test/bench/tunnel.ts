/**
 * Raw HTTP CONNECT tunnels and HTTP/1.1 over them, with as little client-side work as possible so
 * the figures are about the proxies (gateway, upstream), not about a client library.
 */
import net from 'node:net';
import { performance } from 'node:perf_hooks';

export interface ProxyEndpoint {
  host: string;
  port: number;
  username: string;
  password: string;
}

export interface Target {
  host: string;
  port: number;
}

/** Buffers a socket's input; hands out response heads and discards body bytes without copying them. */
export class SocketReader {
  private chunks: Buffer[] = [];
  private waiter: (() => void) | null = null;
  private skipping: { left: number; resolve: () => void } | null = null;
  private failure: Error | null = null;

  constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (error) => this.fail(error));
    socket.on('close', () => this.fail(new Error('connection closed')));
  }

  private onData(chunk: Buffer): void {
    if (this.skipping) {
      const take = Math.min(chunk.length, this.skipping.left);
      this.skipping.left -= take;
      if (take < chunk.length) this.chunks.push(chunk.subarray(take));
      if (this.skipping.left === 0) {
        const done = this.skipping;
        this.skipping = null;
        this.waiter = null;
        done.resolve();
      }
      return;
    }
    this.chunks.push(chunk);
    this.wake();
  }

  private fail(error: Error): void {
    this.failure ??= error;
    this.wake();
  }

  private wake(): void {
    const waiter = this.waiter;
    this.waiter = null;
    waiter?.();
  }

  /** The next response's status line and headers (lower-cased names). */
  async head(): Promise<{ status: number; headers: Map<string, string> }> {
    for (;;) {
      const joined = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
      this.chunks = joined.length ? [joined] : [];
      const end = joined.indexOf('\r\n\r\n');
      if (end >= 0) {
        const rest = joined.subarray(end + 4);
        this.chunks = rest.length ? [rest] : [];
        const [statusLine, ...lines] = joined.subarray(0, end).toString('latin1').split('\r\n');
        const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? '')?.[1]);
        if (!status) throw new Error(`not an HTTP response: ${JSON.stringify(statusLine)}`);
        const headers = new Map<string, string>();
        for (const line of lines) {
          const colon = line.indexOf(':');
          if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
        }
        return { status, headers };
      }
      if (this.failure) throw this.failure;
      await new Promise<void>((resolve) => (this.waiter = resolve));
    }
  }

  /** Reads and drops `count` bytes. */
  async skip(count: number): Promise<void> {
    let left = count;
    while (left > 0 && this.chunks.length > 0) {
      const chunk = this.chunks[0]!;
      if (chunk.length <= left) {
        left -= chunk.length;
        this.chunks.shift();
      } else {
        this.chunks[0] = chunk.subarray(left);
        left = 0;
      }
    }
    if (left === 0) return;
    if (this.failure) throw this.failure;
    await new Promise<void>((resolve, reject) => {
      this.skipping = { left, resolve };
      this.waiter = () => {
        if (this.failure) {
          this.skipping = null;
          reject(this.failure);
        }
      };
    });
  }

  /** Reads a whole body of `count` bytes as text (small bodies only). */
  async text(count: number): Promise<string> {
    for (;;) {
      const joined = Buffer.concat(this.chunks);
      if (joined.length >= count) {
        const rest = joined.subarray(count);
        this.chunks = rest.length ? [rest] : [];
        return joined.subarray(0, count).toString('utf8');
      }
      this.chunks = [joined];
      if (this.failure) throw this.failure;
      await new Promise<void>((resolve) => (this.waiter = resolve));
    }
  }
}

export interface Tunnel {
  socket: net.Socket;
  reader: SocketReader;
  /** From starting the TCP connection to the proxy until its `200` to CONNECT, ms. */
  connectMs: number;
}

export function basicAuth(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

/** Opens a CONNECT tunnel through `proxy` to `target`; rejects on any status but 200. */
export async function openTunnel(proxy: ProxyEndpoint, target: Target, timeoutMs = 15_000): Promise<Tunnel> {
  const started = performance.now();
  const socket = net.connect({ host: proxy.host, port: proxy.port, noDelay: true });
  const reader = new SocketReader(socket);
  const timer = setTimeout(() => socket.destroy(new Error(`CONNECT through ${proxy.host}:${proxy.port} timed out after ${timeoutMs} ms`)), timeoutMs);
  try {
    const authority = `${target.host}:${target.port}`;
    socket.write(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\nProxy-Authorization: ${basicAuth(proxy.username, proxy.password)}\r\n\r\n`);
    const { status } = await reader.head();
    if (status !== 200) throw new Error(`CONNECT through ${proxy.host}:${proxy.port} answered ${status}`);
    return { socket, reader, connectMs: performance.now() - started };
  } catch (error) {
    socket.destroy();
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

function requestHead(method: string, target: Target, path: string, contentLength?: number): string {
  const length = contentLength === undefined ? '' : `Content-Length: ${contentLength}\r\n`;
  return `${method} ${path} HTTP/1.1\r\nHost: ${target.host}:${target.port}\r\nConnection: keep-alive\r\n${length}\r\n`;
}

function contentLength(headers: Map<string, string>): number {
  const value = Number(headers.get('content-length'));
  if (!Number.isSafeInteger(value) || value < 0) throw new Error('response without a Content-Length');
  return value;
}

/** GET /bytes/<n> on the tunnel (keep-alive); resolves once the whole body has arrived. */
export async function getBytes(tunnel: Tunnel, target: Target, count: number): Promise<void> {
  tunnel.socket.write(requestHead('GET', target, `/bytes/${count}`));
  const { status, headers } = await tunnel.reader.head();
  const length = contentLength(headers);
  if (status !== 200 || length !== count) {
    throw new Error(`GET /bytes/${count} answered ${status} with ${length} bytes: ${await tunnel.reader.text(length)}`);
  }
  await tunnel.reader.skip(length);
}

const UPLOAD_CHUNK = Buffer.alloc(1024 * 1024, 'u');

/** POST /sink with `count` bytes on the tunnel, honouring backpressure; resolves on the sink's answer. */
export async function postBytes(tunnel: Tunnel, target: Target, count: number): Promise<void> {
  const { socket, reader } = tunnel;
  socket.write(requestHead('POST', target, '/sink', count));
  let left = count;
  while (left > 0) {
    const chunk = left >= UPLOAD_CHUNK.length ? UPLOAD_CHUNK : UPLOAD_CHUNK.subarray(0, left);
    left -= chunk.length;
    if (!socket.write(chunk)) {
      await new Promise<void>((resolve, reject) => {
        const onDrain = () => {
          socket.off('close', onClose);
          resolve();
        };
        const onClose = () => {
          socket.off('drain', onDrain);
          reject(new Error('connection closed during upload'));
        };
        socket.once('drain', onDrain);
        socket.once('close', onClose);
      });
    }
  }
  const { status, headers } = await reader.head();
  const body = await reader.text(contentLength(headers));
  const received = (JSON.parse(body) as { received?: number }).received;
  if (status !== 200 || received !== count) throw new Error(`POST /sink answered ${status}: ${body} (sent ${count})`);
}
