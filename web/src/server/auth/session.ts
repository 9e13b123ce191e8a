import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '@chipgate/db';

/**
 * Server-side sessions (the Lucia-guide pattern on Node's crypto): the browser holds a random 32-byte
 * token in an HttpOnly cookie, the `sessions` table holds only its SHA-256. 30 days, sliding, and never
 * more than SESSION_ABSOLUTE_LIFETIME_MS after sign-in.
 */
export const SESSION_COOKIE = 'chipgate_session';
/**
 * The cookie's name over https: browsers accept a `__Host-` cookie only with Secure, Path=/ and no
 * Domain, so neither an http:// page nor a sibling subdomain can plant or overwrite it.
 */
export const SECURE_SESSION_COOKIE = `__Host-${SESSION_COOKIE}`;
const DAY_MS = 24 * 60 * 60 * 1000;
export const SESSION_LIFETIME_MS = 30 * DAY_MS;
/** However active, a session ends this long after it was created: a stolen token does not live forever. */
export const SESSION_ABSOLUTE_LIFETIME_MS = 90 * DAY_MS;

export const sessionCookieName = (secure: boolean) => (secure ? SECURE_SESSION_COOKIE : SESSION_COOKIE);
/** A session with less than this left is extended to a full lifetime on use. */
const SESSION_REFRESH_BEFORE_MS = 15 * DAY_MS;

export interface SessionUser {
  id: string;
  email: string;
  name: string;
  role: 'ADMIN' | 'USER';
}

export interface ValidatedSession {
  sessionId: string;
  user: SessionUser;
  expiresAt: Date;
  /** True when this validation extended the session: the cookie must be written again. */
  extended: boolean;
}

export function generateSessionToken(): string {
  return randomBytes(32).toString('base64url');
}

export function hashSessionToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export async function createSession(db: Db, userId: string, now = new Date()): Promise<{ token: string; expiresAt: Date }> {
  const token = generateSessionToken();
  const expiresAt = new Date(now.getTime() + SESSION_LIFETIME_MS);
  await db.session.create({ data: { tokenHash: hashSessionToken(token), userId, expiresAt } });
  return { token, expiresAt };
}

/**
 * The session and user behind a token, or null. Expired sessions are deleted. With `slide` (the
 * default) a session in its second half is extended; callers that cannot write a cookie pass false.
 */
export async function validateSessionToken(
  db: Db,
  token: string | null | undefined,
  { slide = true, now = new Date() }: { slide?: boolean; now?: Date } = {},
): Promise<ValidatedSession | null> {
  if (!token || token.length > 200) return null;
  const row = await db.session.findUnique({
    where: { tokenHash: hashSessionToken(token) },
    select: { id: true, expiresAt: true, createdAt: true, user: { select: { id: true, email: true, name: true, role: true, disabledAt: true } } },
  });
  if (!row) return null;
  const { disabledAt, ...user } = row.user;
  const endOfLife = row.createdAt.getTime() + SESSION_ABSOLUTE_LIFETIME_MS;
  // Disabling deletes the account's sessions; this also stops one created while the account was being disabled.
  if (disabledAt || row.expiresAt.getTime() <= now.getTime() || endOfLife <= now.getTime()) {
    await db.session.deleteMany({ where: { id: row.id } });
    return null;
  }
  let expiresAt = row.expiresAt;
  let extended = false;
  if (slide && expiresAt.getTime() - now.getTime() < SESSION_REFRESH_BEFORE_MS && expiresAt.getTime() < endOfLife) {
    expiresAt = new Date(Math.min(now.getTime() + SESSION_LIFETIME_MS, endOfLife));
    await db.session.update({ where: { id: row.id }, data: { expiresAt } });
    extended = true;
  }
  return { sessionId: row.id, user, expiresAt, extended };
}

export async function invalidateSessionToken(db: Db, token: string): Promise<void> {
  await db.session.deleteMany({ where: { tokenHash: hashSessionToken(token) } });
}

export async function invalidateUserSessions(db: Db, userId: string): Promise<void> {
  await db.session.deleteMany({ where: { userId } });
}

/** After a password change: every session of the account ends but the one the change was made in. */
export async function invalidateOtherUserSessions(db: Pick<Db, 'session'>, userId: string, keepToken: string | null): Promise<void> {
  await db.session.deleteMany({ where: { userId, ...(keepToken ? { tokenHash: { not: hashSessionToken(keepToken) } } : {}) } });
}

export function sessionCookieHeader(token: string, expiresAt: Date, secure: boolean): string {
  const maxAge = Math.max(0, Math.floor((expiresAt.getTime() - Date.now()) / 1000));
  return [
    `${sessionCookieName(secure)}=${token}`,
    'Path=/',
    'HttpOnly',
    'SameSite=Lax',
    `Max-Age=${maxAge}`,
    `Expires=${expiresAt.toUTCString()}`,
    ...(secure ? ['Secure'] : []),
  ].join('; ');
}

export function clearedSessionCookieHeader(secure: boolean): string {
  return [`${sessionCookieName(secure)}=`, 'Path=/', 'HttpOnly', 'SameSite=Lax', 'Max-Age=0', ...(secure ? ['Secure'] : [])].join('; ');
}

/** The session token from a Cookie header: over https only the `__Host-` cookie counts. */
export function readSessionCookie(cookieHeader: string | null | undefined, secure: boolean): string | null {
  if (!cookieHeader) return null;
  const name = sessionCookieName(secure);
  for (const part of cookieHeader.split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim() || null;
  }
  return null;
}

/** Cookies get `Secure` when the request came over https (directly or through a TLS-terminating proxy). */
export function isSecureRequest(req: Request): boolean {
  return isSecureHeaders(req.headers, new URL(req.url).protocol);
}

/** The same from headers alone (Server Components have no URL); Next.js sets X-Forwarded-Proto itself. */
export function isSecureHeaders(headers: Headers, urlProtocol = 'http:'): boolean {
  const forwarded = headers.get('x-forwarded-proto')?.split(',')[0]?.trim();
  if (forwarded) return forwarded === 'https';
  return urlProtocol === 'https:';
}

/** The origin the browser sees this app at (behind a TLS-terminating proxy too). */
export function requestOrigin(req: Request): string {
  const url = new URL(req.url);
  const host = req.headers.get('x-forwarded-host')?.split(',')[0]?.trim() || req.headers.get('host') || url.host;
  return `${isSecureRequest(req) ? 'https' : 'http'}://${host}`.toLowerCase();
}
