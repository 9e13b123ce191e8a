import type { Db } from '@chipgate/db';
import { hashPassword, verifyPassword } from '@chipgate/activities/auth/password-hash';
import { consumeAccountToken, issueAccountToken } from '@chipgate/activities/auth/account-tokens';
import type { AccountMailer } from '@chipgate/activities/auth/account-mail';
import { UNUSABLE_LINK, type AccountTokenPurpose } from '@chipgate/workflows/rules/account-tokens';
import { passwordRefusal } from '@chipgate/workflows/rules/password-policy';
import { AppError } from '../errors';
import { invalidateOtherUserSessions, type SessionUser } from '../auth/session';
import { ADDRESS_POLICY, normaliseEmail, RESET_ACCOUNT_POLICY } from '../auth/throttle-policy';
import { claimAttempt } from '../auth/sign-in-throttle';
import { webLog } from '../logger';

function checkedPassword(password: string, account: { email: string }, field = 'password'): void {
  const refusal = passwordRefusal(password, account);
  if (refusal) throw new AppError('BAD_REQUEST', refusal, { fields: { [field]: [refusal] } });
}

/**
 * Sets the password of the account a one-time link (invitation or reset) names, and ends every session of
 * the account. A password the policy refuses leaves the link usable; a used, expired, superseded or unknown
 * link is refused with one message.
 */
export async function setPasswordWithToken(db: Db, input: { token: string; purpose: AccountTokenPurpose; password: string }): Promise<{ email: string }> {
  // Hashed before the transaction: scrypt takes a while, and nobody should wait on a row lock for it.
  const passwordHash = await hashPassword(input.password);
  return db.$transaction(async (tx) => {
    const userId = await consumeAccountToken(tx, input.token, input.purpose);
    const user = userId ? await tx.user.findUnique({ where: { id: userId }, select: { email: true, disabledAt: true } }) : null;
    if (!user || user.disabledAt) throw new AppError('BAD_REQUEST', UNUSABLE_LINK);
    // Checked inside: the policy needs the account's email, and a refusal rolls the consumption back.
    checkedPassword(input.password, user);
    await tx.user.update({ where: { id: userId! }, data: { passwordHash } });
    await tx.session.deleteMany({ where: { userId: userId! } });
    return { email: user.email };
  });
}

/**
 * "Forgot password": answers the same whether or not the email has an account, and in about the same time:
 * the email goes out after the answer. Limited per email and per client address.
 */
export async function requestPasswordReset(db: Db, mail: AccountMailer, input: { email: string; address: string }): Promise<void> {
  const email = normaliseEmail(input.email);
  for (const [key, policy] of [[`reset-address:${input.address}`, ADDRESS_POLICY], [`reset-account:${email}`, RESET_ACCOUNT_POLICY]] as const) {
    const decision = await claimAttempt(db, key, policy);
    if (!decision.allowed) {
      const seconds = Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
      throw new AppError('TOO_MANY_REQUESTS', `Too many reset requests. Try again in ${Math.ceil(seconds / 60)} minute(s).`, { retryAfterSeconds: seconds });
    }
  }
  const user = await db.user.findUnique({ where: { email }, select: { id: true, name: true, email: true, disabledAt: true } });
  if (!user || user.disabledAt) return;
  const { token, expiresAt } = await issueAccountToken(db, user.id, 'PASSWORD_RESET');
  void mail({ purpose: 'PASSWORD_RESET', token, expiresAt, to: user }).catch((err: unknown) =>
    webLog.error({ userId: user.id, err }, 'the password-reset email could not be sent'),
  );
}

/** A signed-in user's new password, given the current one; their other sessions end. */
export async function changePassword(
  db: Db,
  user: SessionUser,
  input: { currentPassword: string; newPassword: string; sessionToken: string | null },
  verify: typeof verifyPassword = verifyPassword,
): Promise<void> {
  const row = await db.user.findUniqueOrThrow({ where: { id: user.id }, select: { passwordHash: true, email: true } });
  if (!row.passwordHash || !(await verify(input.currentPassword, row.passwordHash))) {
    throw new AppError('BAD_REQUEST', 'The current password is not right.', { fields: { currentPassword: ['The current password is not right.'] } });
  }
  checkedPassword(input.newPassword, row, 'newPassword');
  const passwordHash = await hashPassword(input.newPassword);
  await db.$transaction(async (tx) => {
    await tx.user.update({ where: { id: user.id }, data: { passwordHash } });
    await invalidateOtherUserSessions(tx, user.id, input.sessionToken);
  });
}
