/**
 * WhatsApp STAND-IN (test double, loopback only) — a media host (mmg.whatsapp.net's role), over
 * plain HTTP on 127.0.0.1.
 *
 * Downloads serve known bytes, encrypted the way WhatsApp stores media (AES-256-CBC under keys
 * derived from the message's mediaKey, then a 10-byte HMAC), so Baileys' real download-and-decrypt
 * runs against it. Uploads (POST/PUT) are stored and answered as WhatsApp's upload endpoint does.
 * Every request is recorded with the peer address, which is the proxy's exit when the chip's
 * traffic went through it.
 *
 * Baileys builds upload URLs as `https://<host>/...` itself, so its own uploader can only be
 * pointed at a TLS port. The stand-in has no certificate a client would trust, so that port just
 * records who dialled it and hangs up: enough to see which way Baileys' upload left the process.
 */
import { createCipheriv, createHash, createHmac, randomBytes } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import { getMediaKeys, type MediaType } from '@whiskeysockets/baileys';
import { closeServer, listen, sendJson, sendText } from '../smartproxy/http-util';
import { isLoopbackV4, plainAddress } from '../smartproxy/addresses';

export interface MediaRequest {
  method: string;
  path: string;
  remoteAddress: string;
  /** Body bytes received (uploads). */
  bytesReceived: number;
  /** Body bytes sent (downloads). */
  bytesSent: number;
}

export interface EncryptedMedia {
  /** Goes into the message (`imageMessage.mediaKey` etc.); the media host never sees it. */
  mediaKey: Buffer;
  /** What the media host stores and serves. */
  encrypted: Buffer;
  fileSha256: Buffer;
  fileEncSha256: Buffer;
}

export interface WhatsAppMediaStandIn {
  baseUrl: string;
  requests: readonly MediaRequest[];
  /** `<ip>:<port>` of the TLS port, in the form Baileys' media_conn hosts take. */
  tlsHost: string;
  /** Peer addresses of every connection to the TLS port. */
  tlsDials: readonly string[];
  /** Serves `body` at `path` for GET; returns its URL. */
  serve(path: string, body: Buffer): string;
  /** Bytes stored by an upload to `path`, if one arrived. */
  uploaded(path: string): Buffer | undefined;
  close(): Promise<void>;
}

export async function startWhatsAppMediaStandIn(options: { host?: string } = {}): Promise<WhatsAppMediaStandIn> {
  const host = options.host ?? '127.0.0.1';
  if (!isLoopbackV4(host)) throw new RangeError(`the WhatsApp media stand-in listens on loopback only, got host ${host}`);
  const requests: MediaRequest[] = [];
  const files = new Map<string, Buffer>();
  const uploads = new Map<string, Buffer>();
  let baseUrl = '';

  const server = http.createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://stand-in').pathname;
    const record: MediaRequest = { method: request.method ?? '', path, remoteAddress: plainAddress(request.socket.remoteAddress), bytesReceived: 0, bytesSent: 0 };
    requests.push(record);
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => {
      record.bytesReceived += chunk.length;
      chunks.push(chunk);
    });
    request.on('end', () => {
      if (request.method === 'GET') {
        const file = files.get(path);
        if (!file) return sendText(response, 404, `no media at ${path}`);
        record.bytesSent = file.length;
        response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': file.length });
        response.end(file);
        return;
      }
      if (request.method === 'POST' || request.method === 'PUT') {
        const body = Buffer.concat(chunks);
        uploads.set(path, body);
        const directPath = `/v/t62.7118-24/${createHash('sha256').update(body).digest('hex')}.enc`;
        files.set(directPath, body);
        return sendJson(response, 200, { url: `${baseUrl}${directPath}`, direct_path: directPath });
      }
      sendText(response, 405, `${request.method} is not served here`);
    });
  });
  const port = await listen(server, 0, host);
  baseUrl = `http://${host}:${port}`;

  const tlsDials: string[] = [];
  const tlsServer = net.createServer((socket) => {
    tlsDials.push(plainAddress(socket.remoteAddress));
    socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    tlsServer.once('error', reject);
    tlsServer.listen(0, host, resolve);
  });
  const tlsPort = (tlsServer.address() as net.AddressInfo).port;

  return {
    baseUrl,
    requests,
    tlsHost: `${host}:${tlsPort}`,
    tlsDials,
    serve(path, body) {
      files.set(path, body);
      return `${baseUrl}${path}`;
    },
    uploaded: (path) => uploads.get(path),
    async close() {
      await closeServer(server);
      await new Promise<void>((resolve, reject) => tlsServer.close((error) => (error ? reject(error) : resolve())));
    },
  };
}

/** WhatsApp's media encryption, as Baileys' `encryptedStream` does it. */
export async function encryptMedia(plaintext: Buffer, mediaType: MediaType): Promise<EncryptedMedia> {
  const mediaKey = randomBytes(32);
  const { cipherKey, iv, macKey } = await getMediaKeys(mediaKey, mediaType);
  if (!macKey) throw new Error(`Baileys derived no macKey for media type ${mediaType}`);
  const cipher = createCipheriv('aes-256-cbc', cipherKey, iv);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const mac = createHmac('sha256', macKey).update(iv).update(ciphertext).digest().subarray(0, 10);
  const encrypted = Buffer.concat([ciphertext, mac]);
  return {
    mediaKey,
    encrypted,
    fileSha256: createHash('sha256').update(plaintext).digest(),
    fileEncSha256: createHash('sha256').update(encrypted).digest(),
  };
}
