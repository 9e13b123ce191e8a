import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const USERNAME_PREFIX = 'chip-';
// The platform's own requests through a chip's proxy (the exit-IP probe) authenticate apart, so the
// gateway counts them apart and they are never billed to the chip's owner.
const PLATFORM_USERNAME_PREFIX = 'platform-';
// Chip ids are UUIDs; the narrow alphabet also keeps ':' (which Basic auth cannot carry) out of usernames.
const CHIP_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** Whose traffic a gateway connection carries: the chip's own clients', or the platform's. */
export type TrafficKind = 'chip' | 'platform';

export function chipUsername(chipId: string, kind: TrafficKind = 'chip'): string {
  if (typeof chipId !== 'string' || !CHIP_ID.test(chipId)) {
    throw new RangeError(`chipId must be 1-128 letters, digits, '.', '_' or '-' starting with a letter or digit, got ${typeof chipId === 'string' ? JSON.stringify(chipId) : typeof chipId}`);
  }
  return `${kind === 'chip' ? USERNAME_PREFIX : PLATFORM_USERNAME_PREFIX}${chipId}`;
}

export function chipOfUsername(username: string): { chipId: string; kind: TrafficKind } | null {
  if (username.startsWith(USERNAME_PREFIX)) return { chipId: username.slice(USERNAME_PREFIX.length), kind: 'chip' };
  if (username.startsWith(PLATFORM_USERNAME_PREFIX)) return { chipId: username.slice(PLATFORM_USERNAME_PREFIX.length), kind: 'platform' };
  return null;
}

export function newChipPassword(): string {
  return randomBytes(24).toString('base64url');
}

/** Compares digests so the time taken says nothing about how much of the password was right. */
export function passwordMatches(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
