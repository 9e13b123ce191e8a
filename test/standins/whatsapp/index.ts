/**
 * WhatsApp STAND-IN — local test doubles of WhatsApp's servers for the tests and the demo only: the
 * chat WebSocket (WhatsApp's wire protocol, to unmodified Baileys), its simulated phones, and a
 * media host. Loopback (127.0.0.0/8) only.
 */
export { CHAT_PATH, startWhatsAppStandIn, type ChatConnection, type ChatFault, type ConnectionPhase, type NoiseIntro, type WhatsAppStandIn } from './chat-server';
export { PairingRefusedError } from './companion-pairing';
export type { LinkedDevice, StandInPhone } from './phone';
export { encryptMedia, startWhatsAppMediaStandIn, type EncryptedMedia, type MediaRequest, type WhatsAppMediaStandIn } from './media-server';
