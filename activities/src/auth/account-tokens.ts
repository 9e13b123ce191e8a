import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '@chipgate/db';
import { accountTokenExpiry, type AccountTokenPurpose } from '@chipgate/workflows/rules/account-tokens';

/** A transaction's client, or the client itself: tokens are issued inside the action that needs them. */
type Tx = Parameters<Parameters<Db['$transaction']>[0]>[0];

/** Only this digest of a link's token is stored: whoever reads the table cannot use a link from it. */
export function hashAccountToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/**
 * A new one-time token for `userId` and `purpose`, valid for the purpose's lifetime. The user's earlier
 * tokens of the same purpose stop working: only the newest link sent works.
 */
export async function issueAccountToken(tx: Tx, userId: string, purpose: AccountTokenPurpose, now = new Date()): Promise<{ token: string; expiresAt: Date }> {
  const token = randomBytes(32).toString('base64url');
  const expiresAt = accountTokenExpiry(purpose, now);
  await tx.accountToken.deleteMany({ where: { userId, purpose, consumedAt: null } });
  await tx.accountToken.create({ data: { userId, purpose, tokenHash: hashAccountToken(token), expiresAt, createdAt: now } });
  return { token, expiresAt };
}

/** The unconsumed, unexpired token's owner, without consuming it (to greet them on the link's page), or null. */
export async function peekAccountToken(db: Db | Tx, token: string, purpose: AccountTokenPurpose, now = new Date()) {
  if (token.length > 200) return null;
  const row = await db.accountToken.findUnique({
    where: { tokenHash: hashAccountToken(token) },
    select: { purpose: true, expiresAt: true, consumedAt: true, user: { select: { id: true, email: true, name: true, disabledAt: true } } },
  });
  if (!row || row.purpose !== purpose || row.consumedAt || row.expiresAt <= now || row.user.disabledAt) return null;
  return row.user;
}

/**
 * Consumes the token once, atomically: of two requests with the same link, one gets the user id and the
 * other null; so does an expired, superseded, unknown or other-purpose token.
 */
export async function consumeAccountToken(tx: Tx, token: string, purpose: AccountTokenPurpose, now = new Date()): Promise<string | null> {
  if (token.length > 200) return null;
  const rows = await tx.$queryRaw<Array<{ user_id: string }>>`
    UPDATE account_tokens SET consumed_at = ${now}
    WHERE token_hash = ${hashAccountToken(token)} AND purpose = ${purpose}::"AccountTokenPurpose"
      AND consumed_at IS NULL AND expires_at > ${now}
    RETURNING user_id::text`;
  return rows[0]?.user_id ?? null;
}
