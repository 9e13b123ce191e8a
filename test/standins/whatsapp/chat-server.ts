/**
 * WhatsApp STAND-IN (test double, loopback only) — the chat WebSocket, `ws://127.0.0.1:<port>/ws/chat`.
 *
 * It speaks WhatsApp's wire protocol to unmodified Baileys 7: the Noise XX handshake under the
 * stand-in's own certificate chain (see certificates.ts), registration (`pair-device` refs for the
 * QR, or the pairing-code exchange), `pair-success` with a valid ADV identity, the 515 restart, login
 * with the saved creds, `success`, the IQs Baileys sends after login and keep-alive pings. Its phone
 * (phone.ts) scans QRs and enters pairing codes; its controls log a device out (401), drop a socket
 * and refuse logins. It counts the WebSocket payload bytes of every connection, its pings and logins,
 * and per device the connections open at once and their high-water mark (two: served twice).
 */
import fs from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { EventEmitter } from 'node:events';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import {
  decodeBinaryNode,
  encodeBinaryNode,
  getBinaryNodeChild,
  getBinaryNodeChildBuffer,
  NOISE_WA_HEADER,
  proto,
  S_WHATSAPP_NET,
  type BinaryNode,
} from '@whiskeysockets/baileys';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { isLoopbackV4, plainAddress } from '../smartproxy/addresses';
import { issueStandInCertificates } from './certificates';
import { companionSignatureValid } from './companion-pairing';
import { NoiseResponder, type NoiseTransport } from './noise-responder';
import { answerLoggedInIq, isKeepAlive, resultFor } from './server-stanzas';
import { AccountBook, type AccountBookSnapshot, type LinkedDevice, type StandInPhone } from './phone';

export const CHAT_PATH = '/ws/chat';
const REF_COUNT = 6;
const FRAME_HEADER = 3;

export type ConnectionPhase = 'handshake' | 'registering' | 'logged-in' | 'refused' | 'closed';

/**
 * A server misbehaving on purpose, for tests of what the product does then. While one is set, new
 * connections get it instead of the protocol.
 */
export type ChatFault =
  /** Close the socket right after the client's first frame, as a server that will not talk. */
  | { kind: 'close-after-first-frame' }
  /**
   * Never answer the handshake. With `sendBytes`, send that many bytes as the start of a frame whose
   * header promises one byte more: Baileys buffers them waiting for the rest, so the socket stays
   * open (until Baileys' connect timeout) while a meter counts them.
   */
  | { kind: 'silent'; sendBytes?: number };

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
  phase: ConnectionPhase;
  /** The client's first frame (intro header and ClientHello), once it arrived. */
  intro: NoiseIntro | undefined;
  /** The linked device this connection logged in as. */
  deviceJid?: string;
  /** WebSocket payload bytes received and sent (the Noise frames, intro header included). */
  bytesReceived: number;
  bytesSent: number;
  /** Keep-alive pings answered. */
  pings: number;
  closed: boolean;
  /** Closes the socket politely (a WebSocket close frame). */
  close(): void;
  /** Cuts the socket without a goodbye, as a network failure would. */
  drop(): void;
}

/** A companion waiting to be linked: by QR (refs) or by pairing code (companion_hello). */
export interface PendingRegistration {
  connection: ChatConnection;
  noiseKey: Buffer;
  identityKey: Buffer;
  refs: string[];
  pairingCode?: { phoneNumber: string; wrappedEphemeral: Buffer; ref: string };
  send(node: BinaryNode): void;
  /** Resolves with the companion's answer to the IQ with this id. */
  awaitResult(id: string, timeoutMs?: number): Promise<BinaryNode>;
  onIq(handler: (iq: BinaryNode) => BinaryNode | undefined): void;
}

export interface WhatsAppStandIn {
  url: string;
  host: string;
  port: number;
  /** Hex of the stand-in's root certificate key: the value of CHIPGATE_WA_CERT_PUBLIC_KEY. */
  certificatePublicKey: string;
  connections: readonly ChatConnection[];
  /** The simulated phone of an account (created on first use). */
  phone(phoneNumber: string): StandInPhone;
  devices(): LinkedDevice[];
  /** With a reason (e.g. 403), every login is answered with `<failure reason=…>` until set back to null. */
  refuseLogins(reason: number | null): void;
  /** Misbehave for new connections (null: speak the protocol again). */
  setFault(fault: ChatFault | null): void;
  /** Resolves once `count` connections have sent their first frame. */
  waitForFirstFrames(count: number, timeoutMs?: number): Promise<ChatConnection[]>;
  /** Resolves when the probe returns a value; the probe runs on every change of any connection. */
  waitFor<T>(what: string, probe: () => T | undefined | false, timeoutMs?: number): Promise<T>;
  close(): Promise<void>;
}

export interface WhatsAppStandInOptions {
  host?: string;
  fault?: ChatFault;
  /** A JSON file that keeps phones and linked devices across restarts (the demo's); none by default. */
  stateFile?: string;
}

const LARGEST_FRAME = 0xffffff;

export async function startWhatsAppStandIn(options: WhatsAppStandInOptions = {}): Promise<WhatsAppStandIn> {
  const host = options.host ?? '127.0.0.1';
  if (!isLoopbackV4(host)) throw new RangeError(`the WhatsApp stand-in listens on loopback only, got host ${host}`);
  const certificates = issueStandInCertificates();
  const changes = new EventEmitter();
  changes.setMaxListeners(0);
  const book: AccountBook = new AccountBook(() => {
    if (options.stateFile) saveState(options.stateFile, book.snapshot());
    changed();
  });
  const changed = () => changes.emit('change');
  if (options.stateFile && fs.existsSync(options.stateFile)) book.restore(JSON.parse(fs.readFileSync(options.stateFile, 'utf8')) as AccountBookSnapshot);
  const connections: ChatConnection[] = [];
  let refusal: number | null = null;
  let fault: ChatFault | null = validFault(options.fault ?? null);

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
      phase: 'handshake',
      intro: undefined,
      bytesReceived: 0,
      bytesSent: 0,
      pings: 0,
      closed: false,
      close: () => socket.close(),
      drop: () => socket.terminate(),
    };
    connections.push(connection);
    new ChatSession(socket, connection, { certificates, book, refusal: () => refusal, fault, changed });
    changed();
  });

  function waitFor<T>(what: string, probe: () => T | undefined | false, timeoutMs = 60_000): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const check = () => {
        const value = probe();
        if (value === undefined || value === false) return;
        clearTimeout(timer);
        changes.off('change', check);
        resolve(value);
      };
      const timer = setTimeout(() => {
        changes.off('change', check);
        reject(new Error(`WhatsApp stand-in: waited ${timeoutMs} ms for ${what}`));
      }, timeoutMs);
      changes.on('change', check);
      check();
    });
  }

  return {
    url: `ws://${host}:${port}${CHAT_PATH}`,
    host,
    port,
    certificatePublicKey: certificates.rootPublicKey.toString('hex'),
    connections,
    phone: (phoneNumber) => book.phone(phoneNumber),
    devices: () => book.devices(),
    refuseLogins(reason) {
      refusal = reason;
    },
    setFault(next) {
      fault = validFault(next);
    },
    waitForFirstFrames(count, timeoutMs = 15_000) {
      return waitFor(`${count} connection(s) with a first frame`, () => {
        const ready = connections.filter((c) => c.intro !== undefined);
        return ready.length >= count && ready;
      }, timeoutMs);
    },
    waitFor,
    close() {
      for (const client of server.clients) client.terminate();
      return new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}

interface SessionDeps {
  certificates: ReturnType<typeof issueStandInCertificates>;
  book: AccountBook;
  refusal(): number | null;
  fault: ChatFault | null;
  changed(): void;
}

/** One WebSocket: the handshake, then either a registration or a logged-in device. */
class ChatSession {
  private inBytes = Buffer.alloc(0);
  private introSeen = false;
  private readonly noise: NoiseResponder;
  private transport: NoiseTransport | undefined;
  private device: LinkedDevice | undefined;
  private registration: PendingRegistration | undefined;
  private readonly waiters = new Map<string, (node: BinaryNode) => void>();
  private iqHandler: ((iq: BinaryNode) => BinaryNode | undefined) | undefined;
  /** Frames are handled one at a time, in order: decoding is async and Noise counters are strict. */
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly socket: WebSocket,
    private readonly connection: ChatConnection,
    private readonly deps: SessionDeps,
  ) {
    this.noise = new NoiseResponder(deps.certificates.serverStatic, deps.certificates.chain);
    socket.on('message', (data: RawData) => {
      const bytes = toBuffer(data);
      connection.bytesReceived += bytes.length;
      this.queue = this.queue.then(() => this.receive(bytes)).catch((error: unknown) => this.fail(error));
    });
    socket.on('close', () => {
      connection.closed = true;
      connection.phase = 'closed';
      if (this.registration) deps.book.forgetRegistration(this.registration);
      if (this.device) deps.book.disconnected(this.device, connection);
      deps.changed();
    });
    socket.on('error', () => socket.terminate());
  }

  private async receive(bytes: Buffer): Promise<void> {
    if (!this.connection.intro) {
      this.connection.intro = readIntro(bytes);
      this.deps.changed();
      if (this.deps.fault) return this.misbehave(this.deps.fault);
    }
    if (this.deps.fault) return;
    this.inBytes = Buffer.concat([this.inBytes, bytes]);
    if (!this.introSeen) {
      if (this.inBytes.length < NOISE_WA_HEADER.length) return;
      const intro = this.inBytes.subarray(0, NOISE_WA_HEADER.length);
      if (!intro.equals(NOISE_WA_HEADER)) throw new Error(`unexpected intro header ${intro.toString('hex')}`);
      this.introSeen = true;
      this.inBytes = this.inBytes.subarray(NOISE_WA_HEADER.length);
    }
    while (this.inBytes.length >= FRAME_HEADER) {
      const size = this.inBytes.readUIntBE(0, FRAME_HEADER);
      if (this.inBytes.length < FRAME_HEADER + size) return;
      const frame = this.inBytes.subarray(FRAME_HEADER, FRAME_HEADER + size);
      this.inBytes = this.inBytes.subarray(FRAME_HEADER + size);
      if (this.transport) await this.onNode(await decodeBinaryNode(this.transport.decrypt(frame)));
      else this.onHandshake(proto.HandshakeMessage.decode(frame));
    }
  }

  private onHandshake(message: proto.HandshakeMessage): void {
    if (message.clientHello?.ephemeral) {
      this.sendFrame(this.noise.hello(message.clientHello.ephemeral));
      return;
    }
    if (!message.clientFinish) throw new Error('handshake message with neither ClientHello nor ClientFinish');
    const { clientStaticKey, payload, transport } = this.noise.finish(message.clientFinish);
    this.transport = transport;
    if (payload.devicePairingData) this.register(clientStaticKey, payload.devicePairingData);
    else this.logIn(clientStaticKey, payload);
  }

  private register(noiseKey: Buffer, pairing: proto.ClientPayload.IDevicePairingRegistrationData): void {
    if (!pairing.eIdent) throw new Error('registration without an identity key');
    this.connection.phase = 'registering';
    const refs = Array.from({ length: REF_COUNT }, () => `2@${randomBytes(24).toString('base64')}`);
    this.registration = {
      connection: this.connection,
      noiseKey,
      identityKey: Buffer.from(pairing.eIdent),
      refs,
      send: (node) => this.sendNode(node),
      awaitResult: (id, timeoutMs = 20_000) => this.awaitResult(id, timeoutMs),
      onIq: (handler) => (this.iqHandler = handler),
    };
    this.deps.book.addRegistration(this.registration);
    this.sendNode({
      tag: 'iq',
      attrs: { from: S_WHATSAPP_NET, type: 'set', id: this.serverId(), xmlns: 'md' },
      content: [{ tag: 'pair-device', attrs: {}, content: refs.map((ref) => ({ tag: 'ref', attrs: {}, content: Buffer.from(ref) })) }],
    });
    this.deps.changed();
  }

  private logIn(noiseKey: Buffer, payload: proto.ClientPayload): void {
    const jid = `${String(payload.username)}:${payload.device ?? 0}${S_WHATSAPP_NET}`;
    const device = this.deps.book.device(jid);
    const refusal = this.deps.refusal();
    const reason = refusal ?? (!device || !device.noiseKey.equals(noiseKey) ? 401 : null);
    if (reason !== null || !device) {
      this.connection.phase = 'refused';
      this.sendNode({ tag: 'failure', attrs: { reason: String(reason ?? 401), location: 'standin' } });
      this.deps.changed();
      setTimeout(() => this.socket.close(), 50);
      return;
    }
    this.device = device;
    this.connection.deviceJid = jid;
    this.connection.phase = 'logged-in';
    this.deps.book.loggedIn(device, this.connection, () => this.logOutNow());
    this.sendNode({ tag: 'success', attrs: { t: String(Math.floor(Date.now() / 1000)), lid: device.lid, location: 'standin', props: '1' } });
    // No stored offline messages: saying so lets Baileys flush the events it buffers at login.
    this.sendNode({ tag: 'ib', attrs: { from: S_WHATSAPP_NET }, content: [{ tag: 'offline', attrs: { count: '0' } }] });
    this.deps.changed();
  }

  private async onNode(node: BinaryNode): Promise<void> {
    if (node.tag !== 'iq') return;
    const id = node.attrs.id ?? '';
    if (node.attrs.type === 'result' || node.attrs.type === 'error') {
      const waiter = this.waiters.get(id);
      this.waiters.delete(id);
      waiter?.(node);
      return;
    }
    if (this.device) {
      if (isKeepAlive(node)) {
        this.connection.pings += 1;
        this.deps.changed();
      }
      if (getBinaryNodeChild(node, 'remove-companion-device')) {
        this.sendNode(resultFor(node));
        this.deps.book.unlink(this.device);
        return;
      }
      this.sendNode(answerLoggedInIq(node, this.device.keys));
      if (node.attrs.xmlns === 'encrypt') this.deps.book.touch();
      return;
    }
    const handled = this.iqHandler?.(node);
    this.sendNode(handled ?? this.answerRegistrationIq(node));
  }

  /** IQs of a companion not yet linked: the pairing-code hello, the rest answered empty. */
  private answerRegistrationIq(iq: BinaryNode): BinaryNode {
    const linkCode = getBinaryNodeChild(iq, 'link_code_companion_reg');
    if (linkCode?.attrs.stage === 'companion_hello' && this.registration) {
      const wrapped = getBinaryNodeChildBuffer(linkCode, 'link_code_pairing_wrapped_companion_ephemeral_pub');
      const phoneNumber = (linkCode.attrs.jid ?? '').split('@')[0] ?? '';
      if (wrapped) {
        const ref = randomBytes(16).toString('base64url');
        this.registration.pairingCode = { phoneNumber, wrappedEphemeral: Buffer.from(wrapped), ref };
        this.deps.changed();
        return resultFor(iq, [{ tag: 'link_code_companion_reg', attrs: {}, content: [{ tag: 'link_code_pairing_ref', attrs: {}, content: Buffer.from(ref) }] }]);
      }
    }
    return resultFor(iq);
  }

  /** The phone removed this device: WhatsApp ends the stream with 401 and a device_removed conflict. */
  private logOutNow(): void {
    this.sendNode({ tag: 'stream:error', attrs: { code: '401' }, content: [{ tag: 'conflict', attrs: { type: 'device_removed' } }] });
    setTimeout(() => this.socket.close(), 50);
  }

  private awaitResult(id: string, timeoutMs: number): Promise<BinaryNode> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(id);
        reject(new Error(`the companion did not answer IQ ${id} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.set(id, (node) => {
        clearTimeout(timer);
        resolve(node);
      });
    });
  }

  private serverId(): string {
    return randomBytes(6).toString('hex');
  }

  private sendNode(node: BinaryNode): void {
    if (!this.transport) throw new Error('a node before the handshake finished');
    this.sendFrame(this.transport.encrypt(encodeBinaryNode(node)));
  }

  private sendFrame(data: Buffer): void {
    if (this.socket.readyState !== this.socket.OPEN) return;
    const frame = Buffer.alloc(FRAME_HEADER + data.length);
    frame.writeUIntBE(data.length, 0, FRAME_HEADER);
    data.copy(frame, FRAME_HEADER);
    this.connection.bytesSent += frame.length;
    this.socket.send(frame);
  }

  private misbehave(fault: ChatFault): void {
    if (fault.kind === 'close-after-first-frame') {
      this.socket.close();
      return;
    }
    const payload = fault.sendBytes ?? 0;
    if (payload === 0) return;
    const frame = Buffer.alloc(FRAME_HEADER + payload, 0x5a);
    frame.writeUIntBE(payload + 1, 0, FRAME_HEADER);
    this.connection.bytesSent += frame.length;
    this.socket.send(frame);
  }

  private fail(error: unknown): void {
    console.error(`WhatsApp stand-in: connection ${this.connection.id} failed: ${error instanceof Error ? error.message : String(error)}`);
    this.socket.terminate();
  }
}

/** For phone.ts: checks a companion's reply to pair-success. */
export function pairDeviceSignValid(reply: BinaryNode, companionIdentityKey: Buffer, accountKey: Buffer): boolean {
  const sign = getBinaryNodeChild(reply, 'pair-device-sign');
  const identity = getBinaryNodeChildBuffer(sign, 'device-identity');
  return identity !== undefined && companionSignatureValid(identity, companionIdentityKey, accountKey);
}

function saveState(file: string, snapshot: AccountBookSnapshot): void {
  const temporary = `${file}.tmp`;
  fs.writeFileSync(temporary, JSON.stringify(snapshot, null, 2), { mode: 0o600 });
  fs.renameSync(temporary, file);
}

function readIntro(frame: Buffer): NoiseIntro {
  const header = NOISE_WA_HEADER.length;
  const body = frame.subarray(header + FRAME_HEADER);
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
    declaredLength: frame.length >= header + FRAME_HEADER ? frame.readUIntBE(header, FRAME_HEADER) : -1,
    actualLength: body.length,
    clientHelloKeyLength,
  };
}

function validFault(fault: ChatFault | null): ChatFault | null {
  if (fault?.kind === 'silent' && fault.sendBytes !== undefined) {
    if (!Number.isInteger(fault.sendBytes) || fault.sendBytes < 0 || fault.sendBytes >= LARGEST_FRAME) {
      throw new RangeError(`fault.sendBytes must be an integer from 0 to ${LARGEST_FRAME - 1}, got ${fault.sendBytes}`);
    }
  }
  return fault;
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}
