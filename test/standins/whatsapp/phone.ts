/**
 * The stand-in's phones and the companion devices linked to them. A phone links a companion the way
 * WhatsApp's app does: by scanning its QR (which carries the ref, noise key, identity key and ADV
 * secret) or by the user typing the companion's pairing code; either way the server then sends the
 * companion a `pair-success`, checks its signed reply and asks it to restart (515) and log in.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { Curve, getBinaryNodeChild, getBinaryNodeChildBuffer, S_WHATSAPP_NET, type BinaryNode, type KeyPair } from '@whiskeysockets/baileys';
import { pairDeviceSignValid, type ChatConnection, type PendingRegistration } from './chat-server';
import {
  openCompanionKeyBundle,
  PairingRefusedError,
  readCompanionQr,
  signCompanionIdentity,
  unwrapWithPairingCode,
  wrapWithPairingCode,
} from './companion-pairing';
import type { DeviceKeys } from './server-stanzas';

const PHONE_NUMBER = /^[1-9]\d{6,14}$/;
const COMPANION_FINISH_TIMEOUT_MS = 30_000;
const CODE_HELLO_WAIT_MS = 10_000;

export interface LinkedDevice {
  jid: string;
  phoneNumber: string;
  lid: string;
  noiseKey: Buffer;
  identityKey: Buffer;
  keys: DeviceKeys;
  linkedAt: Date;
  /** Successful logins since linking: the first is the one right after pairing. */
  logins: number;
  /** The connection it is logged in on now, if any. */
  liveConnection?: ChatConnection;
  /** Connections logged in as this device and not yet closed (more than one: the account is served twice). */
  openConnections: number;
  /** The most connections logged in as this device that were ever open at the same moment. */
  peakOpenConnections: number;
}

export interface StandInPhone {
  phoneNumber: string;
  /** Scans a companion's QR text (what the QR image decodes to) and links that companion. */
  scan(qrText: string): Promise<LinkedDevice>;
  /** Types a companion's pairing code; the companion must have asked for a code for this number. */
  enterPairingCode(code: string): Promise<LinkedDevice>;
  /** Linked devices → Log out, for one device or all of this phone's. Returns how many were removed. */
  logOut(jid?: string): number;
  devices(): LinkedDevice[];
}

/** What the stand-in remembers across restarts (the demo keeps it in .chipgate/), keys in base64. */
export interface AccountBookSnapshot {
  accounts: Array<{ phoneNumber: string; identityPrivate: string; identityPublic: string; lidUser: string; nextDevice: number; nextKeyIndex: number }>;
  devices: Array<{ jid: string; phoneNumber: string; lid: string; noiseKey: string; identityKey: string; preKeys: number; linkedAt: string; logins: number }>;
}

interface PhoneAccount {
  identity: KeyPair;
  lidUser: string;
  nextDevice: number;
  nextKeyIndex: number;
}

export class AccountBook {
  private readonly accounts = new Map<string, PhoneAccount>();
  private readonly linked = new Map<string, LinkedDevice>();
  private readonly registrations = new Set<PendingRegistration>();
  private readonly logOuts = new Map<string, () => void>();

  constructor(private readonly changed: () => void) {}

  snapshot(): AccountBookSnapshot {
    const b64 = (key: Uint8Array) => Buffer.from(key).toString('base64');
    return {
      accounts: [...this.accounts].map(([phoneNumber, a]) => ({
        phoneNumber,
        identityPrivate: b64(a.identity.private),
        identityPublic: b64(a.identity.public),
        lidUser: a.lidUser,
        nextDevice: a.nextDevice,
        nextKeyIndex: a.nextKeyIndex,
      })),
      devices: this.devices().map((d) => ({
        jid: d.jid,
        phoneNumber: d.phoneNumber,
        lid: d.lid,
        noiseKey: b64(d.noiseKey),
        identityKey: b64(d.identityKey),
        preKeys: d.keys.preKeys,
        linkedAt: d.linkedAt.toISOString(),
        logins: d.logins,
      })),
    };
  }

  restore(snapshot: AccountBookSnapshot): void {
    const key = (b64: string) => Buffer.from(b64, 'base64');
    for (const a of snapshot.accounts) {
      this.accounts.set(a.phoneNumber, { identity: { private: key(a.identityPrivate), public: key(a.identityPublic) }, lidUser: a.lidUser, nextDevice: a.nextDevice, nextKeyIndex: a.nextKeyIndex });
    }
    for (const d of snapshot.devices) {
      this.linked.set(d.jid, {
        jid: d.jid,
        phoneNumber: d.phoneNumber,
        lid: d.lid,
        noiseKey: key(d.noiseKey),
        identityKey: key(d.identityKey),
        keys: { preKeys: d.preKeys },
        linkedAt: new Date(d.linkedAt),
        logins: d.logins,
        openConnections: 0,
        peakOpenConnections: 0,
      });
    }
  }

  devices(): LinkedDevice[] {
    return [...this.linked.values()];
  }

  device(jid: string): LinkedDevice | undefined {
    return this.linked.get(jid);
  }

  addRegistration(registration: PendingRegistration): void {
    this.registrations.add(registration);
  }

  forgetRegistration(registration: PendingRegistration): void {
    this.registrations.delete(registration);
  }

  loggedIn(device: LinkedDevice, connection: ChatConnection, logOut: () => void): void {
    device.logins += 1;
    device.openConnections += 1;
    device.peakOpenConnections = Math.max(device.peakOpenConnections, device.openConnections);
    device.liveConnection = connection;
    this.logOuts.set(device.jid, logOut);
    this.changed();
  }

  /** A device's server-side state (its pre-keys) changed. */
  touch(): void {
    this.changed();
  }

  disconnected(device: LinkedDevice, connection: ChatConnection): void {
    device.openConnections -= 1;
    if (device.liveConnection !== connection) return;
    device.liveConnection = undefined;
    this.logOuts.delete(device.jid);
  }

  /** The companion logged itself out (Baileys' `logout()`). */
  unlink(device: LinkedDevice): void {
    this.linked.delete(device.jid);
    this.logOuts.delete(device.jid);
    this.changed();
  }

  phone(phoneNumber: string): StandInPhone {
    if (!PHONE_NUMBER.test(phoneNumber)) throw new RangeError(`a stand-in phone number is 7-15 digits, country code first, got "${phoneNumber}"`);
    const account = this.account(phoneNumber);
    return {
      phoneNumber,
      scan: (qrText) => this.scan(phoneNumber, account, qrText),
      enterPairingCode: (code) => this.enterPairingCode(phoneNumber, account, code),
      logOut: (jid) => this.logOut(phoneNumber, jid),
      devices: () => this.devices().filter((device) => device.phoneNumber === phoneNumber),
    };
  }

  private account(phoneNumber: string): PhoneAccount {
    let account = this.accounts.get(phoneNumber);
    if (!account) {
      account = { identity: Curve.generateKeyPair(), lidUser: String(randomInt(10 ** 13, 10 ** 14)), nextDevice: 1, nextKeyIndex: 1 };
      this.accounts.set(phoneNumber, account);
    }
    return account;
  }

  private async scan(phoneNumber: string, account: PhoneAccount, qrText: string): Promise<LinkedDevice> {
    const qr = readCompanionQr(qrText);
    const registration = [...this.registrations].find((r) => r.refs.includes(qr.ref));
    if (!registration) throw new PairingRefusedError('this QR is not shown by any companion waiting to be linked (expired, or already used)');
    if (!registration.noiseKey.equals(qr.noiseKey) || !registration.identityKey.equals(qr.identityKey)) {
      throw new PairingRefusedError("the QR's keys are not those of the companion that showed its ref");
    }
    return this.link(phoneNumber, account, registration, qr.identityKey, qr.advSecret);
  }

  private async enterPairingCode(phoneNumber: string, account: PhoneAccount, code: string): Promise<LinkedDevice> {
    const registration = await this.companionAskingForCode(phoneNumber);
    const { wrappedEphemeral, ref } = registration.pairingCode;
    const companionEphemeralKey = await unwrapWithPairingCode(code, wrappedEphemeral);
    const primaryEphemeral = Curve.generateKeyPair();
    const finished = new Promise<BinaryNode>((resolve, reject) => {
      const timer = setTimeout(() => reject(new PairingRefusedError('the companion never finished the pairing-code exchange')), COMPANION_FINISH_TIMEOUT_MS);
      registration.onIq((iq) => {
        const reg = getBinaryNodeChild(iq, 'link_code_companion_reg');
        if (reg?.attrs.stage !== 'companion_finish') return undefined;
        clearTimeout(timer);
        resolve(reg);
        return { tag: 'iq', attrs: { from: S_WHATSAPP_NET, type: 'result', id: iq.attrs.id ?? '' } };
      });
    });
    registration.send({
      tag: 'notification',
      attrs: { from: S_WHATSAPP_NET, type: 'link_code_companion_reg', id: randomBytes(6).toString('hex'), t: String(Math.floor(Date.now() / 1000)) },
      content: [
        {
          tag: 'link_code_companion_reg',
          attrs: {},
          content: [
            { tag: 'link_code_pairing_ref', attrs: {}, content: Buffer.from(ref) },
            { tag: 'primary_identity_pub', attrs: {}, content: Buffer.from(account.identity.public) },
            { tag: 'link_code_pairing_wrapped_primary_ephemeral_pub', attrs: {}, content: await wrapWithPairingCode(code, Buffer.from(primaryEphemeral.public)) },
          ],
        },
      ],
    });
    const finish = await finished;
    const wrappedBundle = getBinaryNodeChildBuffer(finish, 'link_code_pairing_wrapped_key_bundle');
    const announcedIdentity = getBinaryNodeChildBuffer(finish, 'companion_identity_public');
    if (!wrappedBundle || !announcedIdentity) throw new PairingRefusedError('companion_finish without its key bundle or identity');
    const { companionIdentityKey, advSecret } = openCompanionKeyBundle({ wrappedBundle, primaryEphemeral, companionEphemeralKey, primaryIdentity: account.identity });
    if (!companionIdentityKey.equals(Buffer.from(announcedIdentity)) || !companionIdentityKey.equals(registration.identityKey)) {
      throw new PairingRefusedError('the key bundle names another companion identity');
    }
    return this.link(phoneNumber, account, registration, companionIdentityKey, advSecret);
  }

  /** A person reads the code off the companion before typing it: its hello may still be in flight. */
  private async companionAskingForCode(phoneNumber: string): Promise<PendingRegistration & { pairingCode: NonNullable<PendingRegistration['pairingCode']> }> {
    const deadline = Date.now() + CODE_HELLO_WAIT_MS;
    for (;;) {
      const registration = [...this.registrations].find((r) => r.pairingCode?.phoneNumber === phoneNumber);
      if (registration?.pairingCode) return { ...registration, pairingCode: registration.pairingCode };
      if (Date.now() > deadline) throw new PairingRefusedError(`no companion is waiting for a pairing code for +${phoneNumber}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  private async link(phoneNumber: string, account: PhoneAccount, registration: PendingRegistration, identityKey: Buffer, advSecret: Buffer): Promise<LinkedDevice> {
    this.registrations.delete(registration);
    const deviceId = account.nextDevice++;
    const id = randomBytes(6).toString('hex');
    const reply = registration.awaitResult(id);
    registration.send({
      tag: 'iq',
      attrs: { from: S_WHATSAPP_NET, type: 'set', id, t: String(Math.floor(Date.now() / 1000)) },
      content: [
        {
          tag: 'pair-success',
          attrs: {},
          content: [
            { tag: 'device-identity', attrs: {}, content: signCompanionIdentity({ account: account.identity, companionIdentityKey: identityKey, advSecret, keyIndex: account.nextKeyIndex++ }) },
            { tag: 'platform', attrs: { name: 'standin' } },
            { tag: 'device', attrs: { jid: `${phoneNumber}:${deviceId}${S_WHATSAPP_NET}`, lid: `${account.lidUser}:${deviceId}@lid` } },
          ],
        },
      ],
    });
    if (!pairDeviceSignValid(await reply, identityKey, Buffer.from(account.identity.public))) {
      throw new PairingRefusedError("the companion's pair-device-sign does not verify");
    }
    const device: LinkedDevice = {
      jid: `${phoneNumber}:${deviceId}${S_WHATSAPP_NET}`,
      phoneNumber,
      lid: `${account.lidUser}@lid`,
      noiseKey: registration.noiseKey,
      identityKey,
      keys: { preKeys: 0 },
      linkedAt: new Date(),
      logins: 0,
      openConnections: 0,
      peakOpenConnections: 0,
    };
    this.linked.set(device.jid, device);
    // Linked: WhatsApp asks the companion to reconnect and log in with its new creds.
    registration.send({ tag: 'stream:error', attrs: { code: '515' } });
    this.changed();
    return device;
  }

  private logOut(phoneNumber: string, jid: string | undefined): number {
    const removed = this.devices().filter((device) => device.phoneNumber === phoneNumber && (jid === undefined || device.jid === jid));
    for (const device of removed) {
      this.linked.delete(device.jid);
      this.logOuts.get(device.jid)?.();
      this.logOuts.delete(device.jid);
    }
    this.changed();
    return removed.length;
  }
}
