/**
 * The server's half of WhatsApp's Noise XX handshake (Noise_XX_25519_AESGCM_SHA256), the exact mirror
 * of Baileys' `makeNoiseHandler`: the same hash chain, the same key mixing, the same counters. What
 * Baileys encrypts here, this decrypts, and the reverse; a single step out of order breaks the GCM tags.
 */
import { createCipheriv, createDecipheriv, createHash } from 'node:crypto';
import { Curve, hkdf, NOISE_MODE, NOISE_WA_HEADER, proto, type KeyPair } from '@whiskeysockets/baileys';

const IV_LENGTH = 12;
const TAG_LENGTH = 16;

function sha256(...parts: Uint8Array[]): Buffer {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest();
}

function counterIv(counter: number): Buffer {
  const iv = Buffer.alloc(IV_LENGTH);
  iv.writeUInt32BE(counter, 8);
  return iv;
}

export function aesGcmEncrypt(plaintext: Uint8Array, key: Uint8Array, iv: Uint8Array, aad: Uint8Array): Buffer {
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(aad);
  return Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
}

export function aesGcmDecrypt(ciphertext: Uint8Array, key: Uint8Array, iv: Uint8Array, aad: Uint8Array): Buffer {
  const data = Buffer.from(ciphertext);
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAAD(aad);
  decipher.setAuthTag(data.subarray(data.length - TAG_LENGTH));
  return Buffer.concat([decipher.update(data.subarray(0, data.length - TAG_LENGTH)), decipher.final()]);
}

/** After the handshake: one key per direction, each with its own counter. */
export class NoiseTransport {
  private readCounter = 0;
  private writeCounter = 0;

  constructor(
    private readonly encKey: Buffer,
    private readonly decKey: Buffer,
  ) {}

  encrypt(plaintext: Uint8Array): Buffer {
    return aesGcmEncrypt(plaintext, this.encKey, counterIv(this.writeCounter++), Buffer.alloc(0));
  }

  decrypt(ciphertext: Uint8Array): Buffer {
    return aesGcmDecrypt(ciphertext, this.decKey, counterIv(this.readCounter++), Buffer.alloc(0));
  }
}

export interface HandshakeResult {
  /** The client's static Noise key: the "noise key" that identifies a companion device at login. */
  clientStaticKey: Buffer;
  payload: proto.ClientPayload;
  transport: NoiseTransport;
}

/**
 * One connection's handshake: `hello()` answers the ClientHello with a ServerHello carrying the
 * server's static key and certificate chain; `finish()` reads the ClientFinish and yields the transport.
 */
export class NoiseResponder {
  private hash: Buffer;
  private salt: Buffer;
  private key: Buffer;
  private counter = 0;
  private readonly ephemeral: KeyPair = Curve.generateKeyPair();

  constructor(
    private readonly serverStatic: KeyPair,
    private readonly certificateChain: Uint8Array,
  ) {
    const mode = Buffer.from(NOISE_MODE);
    this.hash = mode.length === 32 ? mode : sha256(mode);
    this.salt = this.hash;
    this.key = this.hash;
    this.authenticate(NOISE_WA_HEADER);
  }

  hello(clientEphemeral: Uint8Array): Buffer {
    if (clientEphemeral.length !== 32) throw new Error(`ClientHello ephemeral key has ${clientEphemeral.length} bytes, expected 32`);
    this.clientEphemeral = Buffer.from(clientEphemeral);
    this.authenticate(this.clientEphemeral);
    this.authenticate(this.ephemeral.public);
    this.mixIntoKey(Curve.sharedKey(this.ephemeral.private, this.clientEphemeral));
    const encryptedStatic = this.encrypt(this.serverStatic.public);
    this.mixIntoKey(Curve.sharedKey(this.serverStatic.private, this.clientEphemeral));
    const encryptedCertificate = this.encrypt(this.certificateChain);
    return Buffer.from(
      proto.HandshakeMessage.encode({ serverHello: { ephemeral: this.ephemeral.public, static: encryptedStatic, payload: encryptedCertificate } }).finish(),
    );
  }

  finish(clientFinish: proto.HandshakeMessage.IClientFinish): HandshakeResult {
    if (!this.clientEphemeral) throw new Error('ClientFinish before ClientHello');
    if (!clientFinish.static || !clientFinish.payload) throw new Error('ClientFinish without its static key or payload');
    const clientStaticKey = this.decrypt(clientFinish.static);
    this.mixIntoKey(Curve.sharedKey(this.ephemeral.private, clientStaticKey));
    const payload = proto.ClientPayload.decode(this.decrypt(clientFinish.payload));
    const [clientWrite, clientRead] = this.expand(new Uint8Array(0));
    // The client writes with the first key and reads with the second: the server the other way round.
    return { clientStaticKey, payload, transport: new NoiseTransport(clientRead, clientWrite) };
  }

  private clientEphemeral: Buffer | undefined;

  private authenticate(data: Uint8Array): void {
    this.hash = sha256(this.hash, data);
  }

  private encrypt(plaintext: Uint8Array): Buffer {
    const ciphertext = aesGcmEncrypt(plaintext, this.key, counterIv(this.counter++), this.hash);
    this.authenticate(ciphertext);
    return ciphertext;
  }

  private decrypt(ciphertext: Uint8Array): Buffer {
    const plaintext = aesGcmDecrypt(ciphertext, this.key, counterIv(this.counter++), this.hash);
    this.authenticate(ciphertext);
    return plaintext;
  }

  private expand(material: Uint8Array): [Buffer, Buffer] {
    const key = Buffer.from(hkdf(Buffer.from(material), 64, { salt: this.salt, info: '' }));
    return [key.subarray(0, 32), key.subarray(32)];
  }

  private mixIntoKey(material: Uint8Array): void {
    const [write, read] = this.expand(material);
    this.salt = write;
    this.key = read;
    this.counter = 0;
  }
}
