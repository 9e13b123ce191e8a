/**
 * Provider credentials at rest: AES-256-GCM under CHIPGATE_SECRET_KEY.
 * Envelope: `v1.<iv>.<tag>.<ciphertext>`, each part base64url, iv 12 random bytes, tag 16 bytes.
 */
import { createCipheriv, createDecipheriv, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';

export interface CredentialCipher {
  encrypt(plaintext: string): string;
  decrypt(envelope: string): string;
}

export class CredentialCipherError extends Error {
  override name = 'CredentialCipherError';
}

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const VERSION = 'v1';
const HEX_KEY = /^[0-9a-fA-F]{64}$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$|^[A-Za-z0-9_-]+$/;
const BASE64URL_PART = /^[A-Za-z0-9_-]*$/;

/** A fresh key for CHIPGATE_SECRET_KEY, base64. */
export function generateSecretKey(): string {
  return randomBytes(KEY_BYTES).toString('base64');
}

export function loadCredentialCipher(env: NodeJS.ProcessEnv = process.env): CredentialCipher {
  const key = parseKey(env.CHIPGATE_SECRET_KEY);
  return {
    encrypt: (plaintext) => encrypt(key, plaintext),
    decrypt: (envelope) => decrypt(key, envelope),
  };
}

function parseKey(raw: string | undefined): KeyObject {
  const text = raw?.trim() ?? '';
  if (text === '') {
    throw new CredentialCipherError(
      'CHIPGATE_SECRET_KEY is not set: provider credentials cannot be encrypted or read without it. ' +
        'Set it to 32 random bytes, base64 (e.g. `openssl rand -base64 32`) or 64 hex characters, ' +
        'and keep the same value for as long as the stored credentials live',
    );
  }
  // Hex first: 64 hex characters are also valid base64 (of 48 bytes).
  let bytes: Buffer | undefined;
  if (HEX_KEY.test(text)) bytes = Buffer.from(text, 'hex');
  // Buffer.from(…, 'base64') skips characters it does not know instead of failing, so check the alphabet first.
  else if (BASE64.test(text)) bytes = Buffer.from(text, 'base64');
  if (bytes?.length !== KEY_BYTES) {
    const decoded = bytes === undefined ? 'it is neither base64 nor hex' : `it decodes to ${bytes.length} bytes`;
    throw new CredentialCipherError(
      `CHIPGATE_SECRET_KEY must decode to ${KEY_BYTES} bytes (base64 or 64 hex characters); ${decoded}`,
    );
  }
  // A KeyObject prints as `SecretKeyObject { … }`, so a stray log of it shows no key material.
  return createSecretKey(bytes);
}

function encrypt(key: KeyObject, plaintext: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [VERSION, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ciphertext.toString('base64url')].join('.');
}

function decrypt(key: KeyObject, envelope: string): string {
  const parts = envelope.split('.');
  const [version, iv, tag, ciphertext] = parts;
  // The message never quotes the stored value: if it is not an envelope it may be a plaintext password.
  if (
    parts.length !== 4 ||
    version !== VERSION ||
    iv === undefined ||
    tag === undefined ||
    ciphertext === undefined ||
    !parts.slice(1).every((part) => BASE64URL_PART.test(part))
  ) {
    throw new CredentialCipherError(
      'refusing a stored provider credential that is not a v1 encrypted envelope (v1.<iv>.<tag>.<ciphertext>): ' +
        'plaintext credentials are never used; save the provider again to store it encrypted',
    );
  }
  const ivBytes = Buffer.from(iv, 'base64url');
  const tagBytes = Buffer.from(tag, 'base64url');
  if (ivBytes.length !== IV_BYTES || tagBytes.length !== TAG_BYTES) throw undecryptable();
  // authTagLength pins the tag to 16 bytes: GCM would otherwise accept a truncated, easier-to-forge tag.
  const decipher = createDecipheriv('aes-256-gcm', key, ivBytes, { authTagLength: TAG_BYTES });
  decipher.setAuthTag(tagBytes);
  try {
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
  } catch {
    throw undecryptable();
  }
}

function undecryptable(): CredentialCipherError {
  return new CredentialCipherError('cannot decrypt provider credential: wrong CHIPGATE_SECRET_KEY or corrupted value');
}
