/** Same names as the AccountTokenPurpose enum in prisma/schema.prisma. */
export type AccountTokenPurpose = 'INVITATION' | 'PASSWORD_RESET';

const HOUR_MS = 60 * 60 * 1000;

/** How long a one-time link works: an invitation waits for its reader a week, a reset an hour. */
export const ACCOUNT_TOKEN_LIFETIME_MS: Readonly<Record<AccountTokenPurpose, number>> = {
  INVITATION: 7 * 24 * HOUR_MS,
  PASSWORD_RESET: HOUR_MS,
};

export function accountTokenExpiry(purpose: AccountTokenPurpose, issuedAt: Date): Date {
  return new Date(issuedAt.getTime() + ACCOUNT_TOKEN_LIFETIME_MS[purpose]);
}

/** The path of the page a link of this purpose opens; the token is the last segment. */
export function accountLinkPath(purpose: AccountTokenPurpose, token: string): string {
  return `${purpose === 'INVITATION' ? '/invitation' : '/reset-password'}/${encodeURIComponent(token)}`;
}

/** What the reader of a link that no longer works is told; the same for every reason, so a guess learns nothing. */
export const UNUSABLE_LINK = 'This link is not valid any more: it was used, replaced by a newer one, or it expired. Ask for a new one.';
