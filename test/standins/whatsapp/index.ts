/**
 * WhatsApp STAND-IN — local test doubles of WhatsApp's servers for the test suite only: the chat
 * WebSocket Baileys connects to and a media host. Loopback (127.0.0.0/8) only; neither can log a
 * chip in, both record what reached them and from which address.
 */
export { CHAT_PATH, startWhatsAppChatStandIn, type ChatConnection, type ChatReply, type NoiseIntro, type WhatsAppChatStandIn } from './chat-server';
export { encryptMedia, startWhatsAppMediaStandIn, type EncryptedMedia, type MediaRequest, type WhatsAppMediaStandIn } from './media-server';
