import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const USERNAME_PREFIX = 'chip-';
// Chip ids are UUIDs; the narrow alphabet also keeps ':' (which Basic auth cannot carry) out of usernames.
const CHIP_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export function chipUsername(chipId: string): string {
  if (typeof chipId !== 'string' || !CHIP_ID.test(chipId)) {
    throw new RangeError(`chipId must be 1-128 letters, digits, '.', '_' or '-' starting with a letter or digit, got ${typeof chipId === 'string' ? JSON.stringify(chipId) : typeof chipId}`);
  }
  return `${USERNAME_PREFIX}${chipId}`;
}

export function chipIdFromUsername(username: string): string | null {
  return username.startsWith(USERNAME_PREFIX) ? username.slice(USERNAME_PREFIX.length) : null;
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
