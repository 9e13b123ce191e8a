/**
 * Sticky-session naming: how a chip's session id is derived and spliced into the proxy username.
 * Imported by workflow code, so everything here is pure and deterministic.
 */

export const DEFAULT_USERNAME_TEMPLATE = '{username}-session-{session}';

export const SESSION_ID_MAX_LENGTH = 24;

const PLACEHOLDERS: readonly string[] = ['{username}', '{session}'];
const BRACED = /\{[^{}]*\}/g;

// RFC 3986 unreserved characters plus `+ = ,`, which providers use as option separators. Anything
// else (`:` above all) breaks Basic proxy auth or needs escaping that some providers do not undo.
const USERNAME_LITERAL_CHAR = /^[A-Za-z0-9._~+=,-]$/;

// A SOCKS5 username is at most 255 bytes (RFC 1929); a 128-char account username, a 24-char session
// id and a template of this length still fit.
const TEMPLATE_MAX_LENGTH = 100;

const SESSION_ID = new RegExp(`^[A-Za-z0-9]{1,${SESSION_ID_MAX_LENGTH}}$`);

/** Why the template cannot build proxy usernames, or null when it can. */
export function validateUsernameTemplate(template: string): string | null {
  if (template.length === 0) return 'must not be empty';
  if (template.length > TEMPLATE_MAX_LENGTH) return `must be at most ${TEMPLATE_MAX_LENGTH} characters`;

  const unknown = (template.match(BRACED) ?? []).find((token) => !PLACEHOLDERS.includes(token));
  if (unknown !== undefined) return `unknown placeholder ${unknown}: only {username} and {session} are allowed`;

  const sessionCount = occurrences(template, '{session}');
  if (sessionCount === 0) return 'must contain {session}, where the sticky session id goes';
  if (sessionCount > 1) return 'must contain {session} only once';
  if (occurrences(template, '{username}') > 1) return 'must contain {username} at most once';

  const literal = template.replace(BRACED, '');
  if (literal.includes('{') || literal.includes('}')) return 'has an unmatched { or }';
  const bad = [...literal].find((char) => !USERNAME_LITERAL_CHAR.test(char));
  if (bad !== undefined) {
    return `contains ${JSON.stringify(bad)}, which is not allowed in a proxy username (use letters, digits and . _ ~ + = , -)`;
  }
  return null;
}

/** The proxy username that pins `sessionId` to one exit IP with the provider. */
export function stickyUsername(template: string | null | undefined, username: string, sessionId: string): string {
  const effective = template ?? DEFAULT_USERNAME_TEMPLATE;
  const problem = validateUsernameTemplate(effective);
  if (problem !== null) throw new Error(`usernameTemplate ${problem}`);
  if (!SESSION_ID.test(sessionId)) {
    throw new Error(`sessionId must be 1 to ${SESSION_ID_MAX_LENGTH} letters or digits`);
  }
  // split/join rather than String.replace: a replacement string treats `$&`, `$1`... specially,
  // and a provider username may contain `$`.
  return effective.split('{username}').join(username).split('{session}').join(sessionId);
}

const FNV128_OFFSET = 0x6c62272e07bb014262b821756295c58dn;
const FNV128_PRIME = 0x0000000001000000000000000000013bn;
const MASK128 = (1n << 128n) - 1n;
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
// 62^22 > 2^128, so every 128-bit hash fits in 22 characters.
const SESSION_ID_LENGTH = 22;

/**
 * The sticky session id for a chip's `generation`-th assignment. Same inputs, same id (a worker
 * that takes over a chip resumes its exit IP); a new generation gives a new id, so a reassigned
 * chip gets a fresh exit IP. 128 bits keep two chips from landing on one session in practice.
 */
export function sessionIdForChip(chipId: string, generation: number): string {
  if (chipId.length === 0) throw new Error('chipId must not be empty');
  if (!Number.isSafeInteger(generation) || generation < 0) {
    throw new Error(`generation must be a non-negative integer, got ${generation}`);
  }
  // FNV-1a over UTF-16 code units (no TextEncoder needed); the NUL keeps ("a1", 2) apart from ("a", 12).
  const input = `${chipId}\u0000${generation}`;
  let hash = FNV128_OFFSET;
  for (let i = 0; i < input.length; i++) {
    hash = ((hash ^ BigInt(input.charCodeAt(i))) * FNV128_PRIME) & MASK128;
  }
  let id = '';
  for (let i = 0; i < SESSION_ID_LENGTH; i++) {
    id = BASE62[Number(hash % 62n)] + id;
    hash /= 62n;
  }
  return id;
}

function occurrences(text: string, needle: string): number {
  return text.split(needle).length - 1;
}
