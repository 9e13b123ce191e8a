import { DEFAULT_ORIGIN, downloadMediaMessage, uploadWithNodeHttp, type WAMessage } from '@whiskeysockets/baileys';
import type { ChipConnection } from './chip-connection';
import { fetchOptions } from './chip-proxy-route';
import { silentLogger } from './silent-logger';

/**
 * Downloads and decrypts a received media message through the chip's proxy. Baileys' own
 * `downloadMediaMessage` goes direct unless given `options.dispatcher`; a media host that has
 * dropped the file is asked for a re-upload over the chip's socket, when one is open.
 */
export function downloadChipMedia(connection: Pick<ChipConnection, 'dispatcher' | 'socket'>, message: WAMessage): Promise<Buffer> {
  const sock = connection.socket();
  return downloadMediaMessage(
    message,
    'buffer',
    { options: fetchOptions(connection.dispatcher) },
    sock ? { reuploadRequest: sock.updateMediaMessage, logger: silentLogger } : undefined,
  );
}

export interface ChipMediaUpload {
  /** A media host URL, as Baileys builds it from `media_conn` (host, path, auth token). */
  url: string;
  /** The already encrypted media file. */
  filePath: string;
  headers?: Record<string, string>;
  timeoutMs?: number;
}

export interface ChipMediaUploaded {
  url?: string;
  directPath?: string;
}

/**
 * Posts an encrypted media file through the chip's proxy with the very function and agent the
 * chip's socket uploads with (Baileys rc14 on Node: `uploadWithNodeHttp`, given `fetchAgent`).
 */
export async function uploadChipMedia(connection: Pick<ChipConnection, 'agent'>, upload: ChipMediaUpload): Promise<ChipMediaUploaded> {
  const result = await uploadWithNodeHttp({
    url: upload.url,
    filePath: upload.filePath,
    headers: upload.headers ?? { 'Content-Type': 'application/octet-stream', Origin: DEFAULT_ORIGIN },
    timeoutMs: upload.timeoutMs,
    agent: connection.agent,
  });
  // Baileys resolves with whatever JSON came back, or undefined for a non-JSON refusal (a proxy's
  // 407 page), and judges success by the media URL in it; so does this.
  if (!result?.url && !result?.direct_path) {
    throw new Error(`media upload to ${new URL(upload.url).host} got no media URL back (refused by the proxy or the media host)`);
  }
  return { url: result.url, directPath: result.direct_path };
}
