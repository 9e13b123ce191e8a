import { Curve, WA_CERT_DETAILS } from '@whiskeysockets/baileys';
import { verify as verifyXEdDSA } from 'curve25519-js';

/**
 * Baileys accepts a server in the Noise handshake only when its certificate chain leads to
 * WhatsApp's long-term root key (`WA_CERT_DETAILS.PUBLIC_KEY`, read at every handshake). Tests and
 * the demo talk to a local WhatsApp stand-in with a root key of its own; this is the one place that
 * swaps the trusted root, and it refuses to unless every chip socket of the process goes to loopback,
 * so a production worker can never be talked into trusting another key.
 */
export class UntrustedCertificateOverrideError extends Error {
  override name = 'UntrustedCertificateOverrideError';
}

const LOOPBACK_HOSTS = /^(127(\.\d{1,3}){3}|localhost|\[::1\])$/;

export function isLoopbackWebSocketUrl(value: string | undefined): boolean {
  if (value === undefined) return false;
  try {
    const url = new URL(value);
    return (url.protocol === 'ws:' || url.protocol === 'wss:') && LOOPBACK_HOSTS.test(url.hostname);
  } catch {
    return false;
  }
}

/** Parses CHIPGATE_WA_CERT_PUBLIC_KEY: a Curve25519 public key, 64 hex characters. */
export function parseCertificateKey(hex: string): Buffer {
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw new UntrustedCertificateOverrideError('CHIPGATE_WA_CERT_PUBLIC_KEY must be 64 hex characters (a 32-byte Curve25519 public key)');
  return Buffer.from(hex, 'hex');
}

export function assertCertificateOverrideAllowed(waWebSocketUrl: string | undefined): void {
  if (!isLoopbackWebSocketUrl(waWebSocketUrl)) {
    throw new UntrustedCertificateOverrideError(
      'CHIPGATE_WA_CERT_PUBLIC_KEY is only accepted with a loopback CHIPGATE_WA_WEBSOCKET_URL (a local WhatsApp stand-in); ' +
        `got ${waWebSocketUrl === undefined ? 'no URL (WhatsApp itself)' : JSON.stringify(waWebSocketUrl)}`,
    );
  }
}

/** Makes this process's Baileys trust the stand-in's root key instead of WhatsApp's. */
export function trustStandInCertificateKey(key: Buffer, waWebSocketUrl: string | undefined): void {
  assertCertificateOverrideAllowed(waWebSocketUrl);
  (WA_CERT_DETAILS as { PUBLIC_KEY: Buffer }).PUBLIC_KEY = key;
}

/**
 * Baileys 7.0.0-rc14's `Curve.verify` calls libsignal's `verifySignature`, which returns false for a
 * bad signature instead of throwing, and Baileys only looks for a throw: every well-formed signature
 * "verifies". That voids the Noise certificate check (anyone on the path, a proxy included, could
 * pose as WhatsApp) and the ADV account-signature check at pairing. Every process that opens chip
 * sockets replaces it with a check that returns the verdict. Idempotent.
 */
export function enforceSignatureVerification(): void {
  Curve.verify = (publicKey, message, signature) => {
    const key = publicKey.length === 33 ? publicKey.subarray(1) : publicKey;
    try {
      return verifyXEdDSA(key, message, signature);
    } catch {
      return false;
    }
  };
}
