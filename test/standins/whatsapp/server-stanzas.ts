/**
 * Answers to the IQs Baileys sends once logged in, as WhatsApp's server gives them. Only what Baileys
 * reads is filled in; any other IQ gets an empty `result`, which is what Baileys' callers tolerate.
 */
import { getBinaryNodeChild, getBinaryNodeChildren, S_WHATSAPP_NET, type BinaryNode } from '@whiskeysockets/baileys';

export interface DeviceKeys {
  /** One-time pre-keys the server holds for the device: Baileys uploads 812 when it sees 0. */
  preKeys: number;
}

export function resultFor(iq: BinaryNode, content?: BinaryNode[]): BinaryNode {
  return { tag: 'iq', attrs: { from: S_WHATSAPP_NET, type: 'result', id: iq.attrs.id ?? '' }, ...(content ? { content } : {}) };
}

export function errorFor(iq: BinaryNode, code: number, text: string): BinaryNode {
  return { tag: 'iq', attrs: { from: S_WHATSAPP_NET, type: 'error', id: iq.attrs.id ?? '' }, content: [{ tag: 'error', attrs: { code: String(code), text } }] };
}

export function isKeepAlive(iq: BinaryNode): boolean {
  return iq.attrs.xmlns === 'w:p' && getBinaryNodeChild(iq, 'ping') !== undefined;
}

function encryptAnswer(iq: BinaryNode, keys: DeviceKeys): BinaryNode {
  if (getBinaryNodeChild(iq, 'count')) return resultFor(iq, [{ tag: 'count', attrs: { value: String(keys.preKeys) } }]);
  const list = getBinaryNodeChild(iq, 'list');
  if (list) {
    keys.preKeys += getBinaryNodeChildren(list, 'key').length;
    return resultFor(iq);
  }
  if (getBinaryNodeChild(iq, 'digest')) return resultFor(iq, [{ tag: 'digest', attrs: {} }]);
  return resultFor(iq);
}

const PRIVACY_DEFAULTS: Record<string, string> = { last: 'all', online: 'all', profile: 'all', status: 'contacts', readreceipts: 'all', groupadd: 'all' };

/** The answer to a logged-in device's IQ (keep-alives included). */
export function answerLoggedInIq(iq: BinaryNode, keys: DeviceKeys): BinaryNode {
  switch (iq.attrs.xmlns) {
    case 'encrypt':
      return encryptAnswer(iq, keys);
    case 'abt':
      return resultFor(iq, [{ tag: 'props', attrs: { protocol: '1', hash: 'standin-props-1' } }]);
    case 'blocklist':
      return resultFor(iq, [{ tag: 'list', attrs: {} }]);
    case 'privacy':
      return iq.attrs.type === 'get'
        ? resultFor(iq, [{ tag: 'privacy', attrs: {}, content: Object.entries(PRIVACY_DEFAULTS).map(([name, value]) => ({ tag: 'category', attrs: { name, value } })) }])
        : resultFor(iq);
    default:
      return resultFor(iq);
  }
}
