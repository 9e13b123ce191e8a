/**
 * WhatsApp STAND-IN (test double, loopback only) — the chat WebSocket, `ws://127.0.0.1:<port>/ws/chat`.
 *
 * Baileys opens its socket here exactly as it would at web.whatsapp.com and starts the Noise
 * handshake: an intro header `W A <protocol> <dictionary>` and a 3-byte length-prefixed
 * HandshakeMessage carrying its ClientHello. The stand-in cannot answer that handshake (it would
 * need WhatsApp's certificate keys), so it never logs a chip in; it records what arrived, and from
 * where, so a test can prove the socket came through the chip's proxy and meter what moved.
 */
import type { IncomingMessage } from 'node:http';
import { EventEmitter } from 'node:events';
import type { AddressInfo } from 'node:net';
import { proto } from '@whiskeysockets/baileys';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { isLoopbackV4, plainAddress } from '../smartproxy/addresses';

export const CHAT_PATH = '/ws/chat';
const KEPT_FRAMES = 8;
const LARGEST_FRAME = 0xffffff;

/** What the stand-in does once a connection's first frame (the ClientHello) has arrived. */
export type ChatReply =
  /** Close the socket, as WhatsApp does with a client it will not talk to. */
  | { kind: 'close-after-first-frame' }
  /**
   * Keep the socket open. With `sendBytes`, send that many bytes as the start of a frame whose
   * header promises one byte more: Baileys buffers them waiting for the rest, so the socket stays
   * open (until Baileys' own connect timeout, 20 s by default) while a meter counts them.
   */
  | { kind: 'hold'; sendBytes?: number };

/** The first frame, read the way WhatsApp reads it. */
export interface NoiseIntro {
  header: string;
  protocolVersion: number;
  dictionaryVersion: number;
  /** The 3-byte length prefix; equals the bytes that follow it in a well-formed frame. */
  declaredLength: number;
  actualLength: number;
  /** Bytes of the ClientHello's ephemeral public key (32 for Curve25519). */
  clientHelloKeyLength: number;
}

export interface ChatConnection {
  id: number;
  /** The peer as this server sees it: the proxy's exit address when the chip went through it. */
  remoteAddress: string;
  path: string;
  origin: string | undefined;
  /** The first frames as received, at most eight. */
  frames: Buffer[];
  intro: NoiseIntro | undefined;
  /** WebSocket payload bytes received and sent. */
  bytesReceived: number;
  bytesSent: number;
  closed: boolean;
  close(): void;
}

export interface WhatsAppChatStandIn {
  url: string;
  host: string;
  port: number;
  connections: readonly ChatConnection[];
  setReply(reply: ChatReply): void;
  /** Resolves once `count` connections have sent their first frame. */
  waitForFirstFrames(count: number, timeoutMs?: number): Promise<ChatConnection[]>;
  close(): Promise<void>;
}

export async function startWhatsAppChatStandIn(options: { host?: string; reply?: ChatReply } = {}): Promise<WhatsAppChatStandIn> {
  const host = options.host ?? '127.0.0.1';
  if (!isLoopbackV4(host)) throw new RangeError(`the WhatsApp stand-in listens on loopback only, got host ${host}`);
  let reply: ChatReply = validReply(options.reply ?? { kind: 'close-after-first-frame' });
  const connections: ChatConnection[] = [];
  const changes = new EventEmitter();

  const server = new WebSocketServer({ host, port: 0, path: CHAT_PATH });
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;

  server.on('connection', (socket: WebSocket, request: IncomingMessage) => {
    const connection: ChatConnection = {
      id: connections.length + 1,
      remoteAddress: plainAddress(request.socket.remoteAddress),
      path: request.url ?? '',
      origin: request.headers.origin,
      frames: [],
      intro: undefined,
      bytesReceived: 0,
      bytesSent: 0,
      closed: false,
      close: () => socket.close(),
    };
    connections.push(connection);
    changes.emit('change');

    socket.on('message', (data: RawData) => {
      const frame = toBuffer(data);
      connection.bytesReceived += frame.length;
      if (connection.frames.length < KEPT_FRAMES) connection.frames.push(frame);
      if (connection.frames.length === 1) {
        connection.intro = readIntro(frame);
        answerFirstFrame(socket, connection, reply);
      }
      changes.emit('change');
    });
    socket.on('close', () => {
      connection.closed = true;
      changes.emit('change');
    });
    socket.on('error', () => socket.terminate());
  });

  return {
    url: `ws://${host}:${port}${CHAT_PATH}`,
    host,
    port,
    connections,
    setReply(next) {
      reply = validReply(next);
    },
    waitForFirstFrames(count, timeoutMs = 15_000) {
      const ready = () => connections.filter((c) => c.intro !== undefined);
      return new Promise((resolve, reject) => {
        const check = () => {
          if (ready().length < count) return;
          clearTimeout(timer);
          changes.off('change', check);
          resolve(ready());
        };
        const timer = setTimeout(() => {
          changes.off('change', check);
          reject(new Error(`WhatsApp stand-in: waited ${timeoutMs} ms for ${count} connection(s) with a first frame, saw ${ready().length}`));
        }, timeoutMs);
        changes.on('change', check);
        check();
      });
    },
    close() {
      for (const client of server.clients) client.terminate();
      return new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}

function answerFirstFrame(socket: WebSocket, connection: ChatConnection, reply: ChatReply): void {
  if (reply.kind === 'close-after-first-frame') {
    socket.close();
    return;
  }
  const payload = reply.sendBytes ?? 0;
  if (payload === 0) return;
  const promised = payload + 1;
  const frame = Buffer.alloc(3 + payload, 0x5a);
  frame.writeUIntBE(promised, 0, 3);
  socket.send(frame, (error) => {
    if (!error) connection.bytesSent += frame.length;
  });
}

function readIntro(frame: Buffer): NoiseIntro | undefined {
  if (frame.length < 7) return undefined;
  const declaredLength = frame.readUIntBE(4, 3);
  const body = frame.subarray(7);
  let clientHelloKeyLength = 0;
  try {
    clientHelloKeyLength = proto.HandshakeMessage.decode(body).clientHello?.ephemeral?.length ?? 0;
  } catch {
    // Not a HandshakeMessage: recorded as a zero-length key, which a test will notice.
  }
  return {
    header: frame.subarray(0, 2).toString('latin1'),
    protocolVersion: frame[2] ?? -1,
    dictionaryVersion: frame[3] ?? -1,
    declaredLength,
    actualLength: body.length,
    clientHelloKeyLength,
  };
}

function validReply(reply: ChatReply): ChatReply {
  if (reply.kind === 'hold' && reply.sendBytes !== undefined) {
    if (!Number.isInteger(reply.sendBytes) || reply.sendBytes < 0 || reply.sendBytes >= LARGEST_FRAME) {
      throw new RangeError(`reply.sendBytes must be an integer from 0 to ${LARGEST_FRAME - 1}, got ${reply.sendBytes}`);
    }
  }
  return reply;
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}
