// Baileys 7.0.0-rc14 accepts any well-formed XEdDSA signature (it waits for a throw libsignal never
// makes); the worker replaces that check before opening a chip socket. These assert the verdicts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Curve } from '@whiskeysockets/baileys';
import { enforceSignatureVerification } from '@chipgate/worker/baileys/whatsapp-certificate';

describe('signature verification of WhatsApp certificates and ADV identities', () => {
  const signer = Curve.generateKeyPair();
  const stranger = Curve.generateKeyPair();
  const message = Buffer.from('leaf certificate details');
  const signature = Buffer.from(Curve.sign(signer.private, message));

  it('rejects a signature by another key, a changed message and a corrupted signature; accepts the right one', () => {
    enforceSignatureVerification();
    assert.equal(Curve.verify(signer.public, message, signature), true);
    assert.equal(Curve.verify(Buffer.concat([Buffer.from([5]), signer.public]), message, signature), true, 'a 33-byte Signal-format key works too');
    assert.equal(Curve.verify(stranger.public, message, signature), false, 'signed by someone else');
    assert.equal(Curve.verify(signer.public, Buffer.from('other details'), signature), false, 'message changed');
    const corrupted = Buffer.from(signature);
    corrupted[10] = (corrupted[10] ?? 0) ^ 0xff;
    assert.equal(Curve.verify(signer.public, message, corrupted), false, 'signature corrupted');
    assert.equal(Curve.verify(signer.public, message, signature.subarray(0, 10)), false, 'malformed signature');
  });
});
