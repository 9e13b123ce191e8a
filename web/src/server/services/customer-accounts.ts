import type { Client } from '@temporalio/client';
import { Prisma, type Db } from '@chipgate/db';
import type { AccountMailer } from '@chipgate/activities/auth/account-mail';
import { issueAccountToken } from '@chipgate/activities/auth/account-tokens';
import type { SessionUser } from '../auth/session';
import { normaliseEmail } from '../auth/throttle-policy';
import { AppError } from '../errors';
import { webLog } from '../logger';
import { recordAdminAction } from './admin-audit';
import { notifyQuotaChanged } from './chips';

type Tx = Parameters<Parameters<Db['$transaction']>[0]>[0];

/** Whether the invitation email left: the account exists either way, and can be invited again. */
export interface InvitationOutcome {
  sent: boolean;
  /** Why not, without the SMTP URL (which may carry a password). */
  error?: string;
}

async function sendInvitation(mail: AccountMailer, to: { id: string; name: string; email: string }, link: { token: string; expiresAt: Date }): Promise<InvitationOutcome> {
  try {
    await mail({ purpose: 'INVITATION', ...link, to });
    return { sent: true };
  } catch (err) {
    webLog.error({ userId: to.id, err }, 'the invitation email could not be sent');
    return { sent: false, error: err instanceof Error ? err.message : String(err) };
  }
}

async function planOrRefuse(tx: Tx, planId: string) {
  const plan = await tx.plan.findUnique({ where: { id: planId }, select: { id: true, code: true, name: true } });
  if (!plan) throw new AppError('BAD_REQUEST', 'Unknown plan.', { fields: { planId: ['Unknown plan: choose one of the list.'] } });
  return plan;
}

async function customerOrRefuse(tx: Tx, userId: string) {
  const user = await tx.user.findUnique({
    where: { id: userId },
    select: { id: true, email: true, name: true, role: true, passwordHash: true, disabledAt: true, chipLimit: true, plan: { select: { id: true, code: true } } },
  });
  if (!user) throw new AppError('NOT_FOUND', 'No such customer.');
  return user;
}

/**
 * A customer account without a password, and an invitation link to set one, emailed after the account
 * is committed. Recorded as created and invited in the same transaction.
 */
export async function createCustomer(db: Db, mail: AccountMailer, actor: SessionUser, input: { name: string; email: string; planId: string }) {
  const email = normaliseEmail(input.email);
  let created: { user: { id: string; name: string; email: string }; link: { token: string; expiresAt: Date } };
  try {
    created = await db.$transaction(async (tx) => {
      const plan = await planOrRefuse(tx, input.planId);
      const user = await tx.user.create({ data: { email, name: input.name, role: 'USER', planId: plan.id, passwordHash: null }, select: { id: true, name: true, email: true } });
      const link = await issueAccountToken(tx, user.id, 'INVITATION');
      await recordAdminAction(tx, actor, 'customer.created', user, { name: user.name, plan: plan.code });
      await recordAdminAction(tx, actor, 'customer.invited', user, { expiresAt: link.expiresAt.toISOString() });
      return { user, link };
    });
  } catch (err) {
    if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002') {
      throw new AppError('CONFLICT', 'An account with this email already exists.', { fields: { email: ['An account with this email already exists.'] } });
    }
    throw err;
  }
  return { id: created.user.id, email, invitation: await sendInvitation(mail, created.user, created.link) };
}

/** A new invitation link (the earlier one stops working), for an account that has not set its password yet. */
export async function resendInvitation(db: Db, mail: AccountMailer, actor: SessionUser, userId: string) {
  const { user, link } = await db.$transaction(async (tx) => {
    const user = await customerOrRefuse(tx, userId);
    if (user.passwordHash) throw new AppError('CONFLICT', `${user.email} has already set a password; they can use "Forgot password" on the sign-in page.`);
    if (user.disabledAt) throw new AppError('CONFLICT', `${user.email} is disabled: enable the account before inviting again.`);
    const link = await issueAccountToken(tx, user.id, 'INVITATION');
    await recordAdminAction(tx, actor, 'customer.reinvited', user, { expiresAt: link.expiresAt.toISOString() });
    return { user, link };
  });
  return { id: user.id, invitation: await sendInvitation(mail, user, link) };
}

/**
 * Disables or enables an account. Disabling ends its sessions; either way its chip workflows are told to
 * read the owner's standing again, which now says whether the account is disabled: their chips pause, or
 * resume unless over quota. A workflow told late still reads it at its next meter.
 */
export async function setCustomerDisabled(db: Db, temporal: () => Promise<Client>, actor: SessionUser, userId: string, disabled: boolean) {
  if (disabled && userId === actor.id) throw new AppError('BAD_REQUEST', 'You cannot disable your own account.');
  const changed = await db.$transaction(async (tx) => {
    const user = await customerOrRefuse(tx, userId);
    if (Boolean(user.disabledAt) === disabled) return false;
    await tx.user.update({ where: { id: userId }, data: { disabledAt: disabled ? new Date() : null } });
    if (disabled) await tx.session.deleteMany({ where: { userId } });
    await recordAdminAction(tx, actor, disabled ? 'customer.disabled' : 'customer.enabled', user);
    return true;
  });
  return { userId, disabled, changed, chips: await notifyQuotaChanged(db, temporal, { userId }) };
}

export async function setCustomerPlan(db: Db, temporal: () => Promise<Client>, actor: SessionUser, userId: string, planId: string) {
  const plan = await db.$transaction(async (tx) => {
    const plan = await planOrRefuse(tx, planId);
    const user = await customerOrRefuse(tx, userId);
    if (user.plan.id === plan.id) return plan;
    await tx.user.update({ where: { id: userId }, data: { planId } });
    await recordAdminAction(tx, actor, 'customer.plan_changed', user, { from: user.plan.code, to: plan.code });
    return plan;
  });
  return { userId, plan: { id: plan.id, name: plan.name }, chips: await notifyQuotaChanged(db, temporal, { userId }) };
}

/** The customer's own chip limit, or back to their plan's with null. Chips above a lowered limit stay. */
export async function setCustomerChipLimit(db: Db, actor: SessionUser, userId: string, chipLimit: number | null) {
  return db.$transaction(async (tx) => {
    const user = await customerOrRefuse(tx, userId);
    if (user.chipLimit !== chipLimit) {
      await tx.user.update({ where: { id: userId }, data: { chipLimit } });
      await recordAdminAction(tx, actor, 'customer.chip_limit_changed', user, { from: user.chipLimit, to: chipLimit });
    }
    return { userId, chipLimit };
  });
}

/**
 * The first admin (or another one), from the command line: an account without a password and a one-time
 * link to set it, valid as long as an invitation. An existing email is refused, so running it twice
 * changes nothing.
 */
export async function createAdminAccount(db: Db, input: { name: string; email: string; planCode: 'FREE' | 'BUSINESS' | 'ENTERPRISE' }) {
  const email = normaliseEmail(input.email);
  try {
    return await db.$transaction(async (tx) => {
      const plan = await tx.plan.findUnique({ where: { code: input.planCode }, select: { id: true } });
      if (!plan) throw new AppError('BAD_REQUEST', `No ${input.planCode} plan in this database: run npm run db:migrate first.`);
      const user = await tx.user.create({ data: { email, name: input.name, role: 'ADMIN', planId: plan.id, passwordHash: null }, select: { id: true, email: true } });
      return { ...user, link: await issueAccountToken(tx, user.id, 'INVITATION') };
    });
  } catch (err) {
    if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002') {
      throw new AppError('CONFLICT', `An account with the email ${email} already exists; nothing was changed.`);
    }
    throw err;
  }
}
