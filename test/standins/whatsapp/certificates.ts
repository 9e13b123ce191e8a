/**
 * The stand-in's own certificate authority. WhatsApp's servers prove themselves in the Noise
 * handshake with a two-link chain: an intermediate certificate signed by WhatsApp's long-term root
 * key, and a leaf (the server's static key) signed by the intermediate. The stand-in builds the same
 * chain under a root key of its own; a client trusts it only when told that root's public key
 * (CHIPGATE_WA_CERT_PUBLIC_KEY, which the worker accepts for loopback WebSocket URLs only).
 */
import { Curve, proto, type KeyPair } from '@whiskeysockets/baileys';

/** Baileys checks the intermediate's issuer serial against WA_CERT_DETAILS.SERIAL, which is 0. */
const ROOT_SERIAL = 0;
const CERTIFICATE_LIFETIME_S = 365 * 24 * 3600;

export interface StandInCertificates {
  /** The root's public key, 32 bytes: what a client must trust instead of WhatsApp's. */
  rootPublicKey: Buffer;
  /** The server's static Noise key pair, the subject of the leaf certificate. */
  serverStatic: KeyPair;
  /** The encoded CertChain sent, encrypted, in every ServerHello. */
  chain: Buffer;
}

function certificate(issuer: KeyPair, details: proto.CertChain.NoiseCertificate.IDetails): proto.CertChain.INoiseCertificate {
  const encoded = proto.CertChain.NoiseCertificate.Details.encode(details).finish();
  return { details: encoded, signature: Buffer.from(Curve.sign(issuer.private, encoded)) };
}

export function issueStandInCertificates(root: KeyPair = Curve.generateKeyPair()): StandInCertificates {
  const intermediate = Curve.generateKeyPair();
  const serverStatic = Curve.generateKeyPair();
  const notBefore = Math.floor(Date.now() / 1000) - 60;
  const notAfter = notBefore + CERTIFICATE_LIFETIME_S;
  const chain = proto.CertChain.encode({
    intermediate: certificate(root, { serial: 1, issuerSerial: ROOT_SERIAL, key: intermediate.public, notBefore, notAfter }),
    leaf: certificate(intermediate, { serial: 2, issuerSerial: 1, key: serverStatic.public, notBefore, notAfter }),
  }).finish();
  return { rootPublicKey: Buffer.from(root.public), serverStatic, chain: Buffer.from(chain) };
}
