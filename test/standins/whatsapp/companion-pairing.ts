/**
 * What WhatsApp's phone app does to link a companion device, as pure functions over Baileys' own
 * protobufs and crypto: read the QR, sign the companion's identity into an ADV device identity, and
 * the pairing-code key exchange. Baileys verifies every value built here (configureSuccessfulPairing),
 * so a wrong HMAC or signature fails the pairing exactly as it would against WhatsApp.
 */
import { randomBytes } from 'node:crypto';
import {
  aesDecryptCTR,
  aesEncryptCTR,
  Curve,
  derivePairingCodeKey,
  hkdf,
  hmacSign,
  proto,
  WA_ADV_ACCOUNT_SIG_PREFIX,
  WA_ADV_DEVICE_SIG_PREFIX,
  type KeyPair,
} from '@whiskeysockets/baileys';
import { aesGcmDecrypt } from './noise-responder';

const QR_PREFIX = 'https://wa.me/settings/linked_devices#';

/** The five fields a companion's QR carries, comma-separated after WhatsApp's linked-devices URL. */
export interface CompanionQr {
  ref: string;
  noiseKey: Buffer;
  identityKey: Buffer;
  advSecret: Buffer;
  platformId: string;
}

export class PairingRefusedError extends Error {
  override name = 'PairingRefusedError';
}

export function readCompanionQr(text: string): CompanionQr {
  if (!text.startsWith(QR_PREFIX)) throw new PairingRefusedError(`not a WhatsApp linking QR (expected it to start with ${QR_PREFIX})`);
  const fields = text.slice(QR_PREFIX.length).split(',');
  if (fields.length !== 5) throw new PairingRefusedError(`a linking QR has 5 comma-separated fields, this one has ${fields.length}`);
  const [ref, noise, identity, adv, platformId] = fields as [string, string, string, string, string];
  const key = (name: string, value: string, bytes: number) => {
    const decoded = Buffer.from(value, 'base64');
    if (decoded.length !== bytes) throw new PairingRefusedError(`the QR's ${name} has ${decoded.length} bytes, expected ${bytes}`);
    return decoded;
  };
  return { ref, noiseKey: key('noise key', noise, 32), identityKey: key('identity key', identity, 32), advSecret: key('ADV secret', adv, 32), platformId };
}

/**
 * The `device-identity` content of a `pair-success`: the phone's account key signs the companion's
 * identity key, and the whole is MACed with the ADV secret only phone and companion share.
 */
export function signCompanionIdentity(input: { account: KeyPair; companionIdentityKey: Buffer; advSecret: Buffer; keyIndex: number }): Buffer {
  const deviceDetails = Buffer.from(
    proto.ADVDeviceIdentity.encode({
      rawId: randomBytes(4).readUInt32BE(),
      timestamp: Math.floor(Date.now() / 1000),
      keyIndex: input.keyIndex,
      deviceType: proto.ADVEncryptionType.E2EE,
    }).finish(),
  );
  const accountSignature = Curve.sign(input.account.private, Buffer.concat([WA_ADV_ACCOUNT_SIG_PREFIX, deviceDetails, input.companionIdentityKey]));
  const details = Buffer.from(
    proto.ADVSignedDeviceIdentity.encode({ details: deviceDetails, accountSignatureKey: input.account.public, accountSignature }).finish(),
  );
  return Buffer.from(proto.ADVSignedDeviceIdentityHMAC.encode({ details, hmac: hmacSign(details, input.advSecret) }).finish());
}

/** Checks the companion's `pair-device-sign`: its own signature over what the phone signed. */
export function companionSignatureValid(signedIdentity: Uint8Array, companionIdentityKey: Buffer, accountKey: Buffer): boolean {
  const { details, deviceSignature } = proto.ADVSignedDeviceIdentity.decode(signedIdentity);
  if (!details || !deviceSignature) return false;
  const message = Buffer.concat([WA_ADV_DEVICE_SIG_PREFIX, details, companionIdentityKey, accountKey]);
  return Curve.verify(companionIdentityKey, message, Buffer.from(deviceSignature));
}

/** salt (32) ‖ iv (16) ‖ AES-CTR(key) under PBKDF2(code, salt): how both sides wrap an ephemeral key. */
export async function wrapWithPairingCode(code: string, publicKey: Buffer): Promise<Buffer> {
  const salt = randomBytes(32);
  const iv = randomBytes(16);
  return Buffer.concat([salt, iv, aesEncryptCTR(publicKey, await derivePairingCodeKey(code, salt), iv)]);
}

export async function unwrapWithPairingCode(code: string, wrapped: Uint8Array): Promise<Buffer> {
  const data = Buffer.from(wrapped);
  if (data.length !== 80) throw new PairingRefusedError(`a wrapped pairing key has 80 bytes, got ${data.length}`);
  return aesDecryptCTR(data.subarray(48, 80), await derivePairingCodeKey(code, data.subarray(0, 32)), data.subarray(32, 48));
}

/**
 * The phone's side of the pairing-code exchange's last step: open the companion's key bundle and
 * derive the ADV secret exactly as the companion did. A wrong code gave the two sides different
 * ephemeral keys, so the bundle's GCM tag fails here.
 */
export function openCompanionKeyBundle(input: {
  wrappedBundle: Uint8Array;
  primaryEphemeral: KeyPair;
  companionEphemeralKey: Buffer;
  primaryIdentity: KeyPair;
}): { companionIdentityKey: Buffer; advSecret: Buffer } {
  const bundle = Buffer.from(input.wrappedBundle);
  const sharedEphemeral = Curve.sharedKey(input.primaryEphemeral.private, input.companionEphemeralKey);
  const key = Buffer.from(hkdf(sharedEphemeral, 32, { salt: bundle.subarray(0, 32), info: 'link_code_pairing_key_bundle_encryption_key' }));
  let plaintext: Buffer;
  try {
    plaintext = aesGcmDecrypt(bundle.subarray(44), key, bundle.subarray(32, 44), Buffer.alloc(0));
  } catch {
    throw new PairingRefusedError('the pairing code entered on the phone does not match the one the companion showed');
  }
  const companionIdentityKey = plaintext.subarray(0, 32);
  if (!plaintext.subarray(32, 64).equals(input.primaryIdentity.public)) throw new PairingRefusedError('the key bundle names another phone');
  const random = plaintext.subarray(64, 96);
  const sharedIdentity = Curve.sharedKey(input.primaryIdentity.private, companionIdentityKey);
  const advSecret = Buffer.from(hkdf(Buffer.concat([sharedEphemeral, sharedIdentity, random]), 32, { info: 'adv_secret' }));
  return { companionIdentityKey: Buffer.from(companionIdentityKey), advSecret };
}
