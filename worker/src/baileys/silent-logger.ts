import type { SocketConfig } from '@whiskeysockets/baileys';

type BaileysLogger = SocketConfig['logger'];

/**
 * Baileys' default is a pino logger at info level that prints protocol nodes and raw errors for
 * every socket; with thousands of chips per worker that is noise, so chips are quiet unless a
 * caller passes a logger of its own.
 */
export const silentLogger: BaileysLogger = {
  level: 'silent',
  child: () => silentLogger,
  trace: () => {},
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
};
