// Customer onboarding against the real parts: the tRPC procedures (called in-process) on a scratch
// PostgreSQL, invitation and reset emails through real SMTP to the mail stand-in, and real chip workflows
// on a real worker for disable/enable. What is checked is what a customer or an admin sees: the link in
// the email works once, the database keeps only its hash, a disabled customer cannot sign in and their
// chips stop, and every admin action is in the audit trail.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { TRPCError } from '@trpc/server';
import { createAccountMailer } from '@chipgate/activities/auth/account-mail';
import { hashPassword } from '@chipgate/activities/auth/password-hash';
import { UNUSABLE_LINK } from '@chipgate/workflows/rules/account-tokens';
import { appRouter } from '../../web/src/server/routers/_app';
import { createCallerFactory, type Context } from '../../web/src/server/trpc';
import { createSession, validateSessionToken } from '../../web/src/server/auth/session';
import { ACCOUNT_DISABLED, INVALID_CREDENTIALS } from '../../web/src/server/services/auth';
import { startMailStandIn, type MailStandIn } from '../standins/mail';
import { rawQuery } from '../support/database';
import { startChipWorld, type ChipWorld } from '../support/chip-world';

process.env.STRIPE_WEBHOOK_SECRET ??= 'whsec_customer_onboarding_test';

const APP_URL = 'https://app.chipgate.test';
const createCaller = createCallerFactory(appRouter);
const run = randomBytes(3).toString('hex');
const emailFor = (label: string) => `${label}-${run}@onboarding.test`;
const strongPassword = () => `pw-${randomBytes(12).toString('base64url')}`;

describe('customer onboarding', { timeout: 10 * 60_000 }, () => {
  let world: ChipWorld;
  let mail: MailStandIn;
  let admin: NonNullable<Context['user']>;
  let freePlanId: string;
  let context: (user: Context['user'], address?: string) => Context;

  before(async () => {
    world = await startChipWorld({ meterIntervalSeconds: 1 });
    mail = await startMailStandIn({ username: 'chipgate', password: randomBytes(8).toString('hex') });
    const accountMailer = createAccountMailer({ smtpUrl: mail.smtpUrl, from: 'Chipgate <accounts@chipgate.test>', appUrl: APP_URL });
    context = (user, address = '127.0.0.1') => ({ db: world.db, user, temporal: async () => world.temporal, accountMailer, clientAddress: address });
    const plans = new Map((await world.db.plan.findMany()).map((p) => [p.code, p.id]));
    freePlanId = plans.get('FREE')!;
    const row = await world.db.user.create({ data: { email: emailFor('admin'), name: 'Ada Admin', role: 'ADMIN', planId: plans.get('ENTERPRISE')!, passwordHash: 'unused' } });
    admin = { id: row.id, email: row.email, name: row.name, role: 'ADMIN' };
  });
  after(async () => {
    await mail?.close();
    await world?.close();
  });

  const asAdmin = () => createCaller(context(admin));
  const anonymous = (address?: string) => createCaller(context(null, address));

  /** The token of the newest email to `email` whose subject matches, from its link to `path`. */
  async function linkToken(email: string, subject: RegExp, path: '/invitation/' | '/reset-password/', after = 0): Promise<string> {
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const message = mail.to(email).filter((m) => subject.test(m.subject)).at(after);
      const link = message?.links.find((l) => l.startsWith(`${APP_URL}${path}`));
      if (link) return decodeURIComponent(link.slice(`${APP_URL}${path}`.length));
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`no email ${after + 1} matching ${subject} with a ${path} link reached ${email}`);
  }

  async function refusedWith(work: Promise<unknown>, code: TRPCError['code'], message?: RegExp | string): Promise<TRPCError> {
    const err = await work.then(
      () => assert.fail(`expected ${code}, but it succeeded`),
      (e: unknown) => e,
    );
    assert.ok(err instanceof TRPCError, String(err));
    assert.equal(err.code, code, err.message);
    if (typeof message === 'string') assert.equal(err.message, message);
    else if (message) assert.match(err.message, message);
    return err;
  }

  const signIn = (email: string, password: string) => anonymous().auth.signIn({ email, password });
  const auditOf = (targetEmail: string) => world.db.adminAuditEvent.findMany({ where: { targetEmail }, orderBy: { createdAt: 'asc' } });

  it('an admin creates a customer: the invitation link sets a password once, and only its hash is stored', async () => {
    const email = emailFor('maria');
    const created = await asAdmin().admin.customers.create({ name: 'Maria Silva', email: email.toUpperCase(), planId: freePlanId });
    assert.deepEqual(created.invitation, { sent: true });
    const token = await linkToken(email, /Your Chipgate account/, '/invitation/');

    const rows = await rawQuery<{ row: string }>(world.databaseUrl, `SELECT row_to_json(t)::text AS row FROM account_tokens t JOIN users u ON u.id = t.user_id WHERE u.email = $1`, [email]);
    assert.equal(rows.length, 1);
    assert.ok(!rows[0]!.row.includes(token), 'the token itself is not stored');
    assert.ok(rows[0]!.row.includes(createHash('sha256').update(token).digest('hex')), 'its SHA-256 is');
    const stored = await world.db.accountToken.findFirstOrThrow({ where: { user: { email } } });
    const lifetimeDays = (stored.expiresAt.getTime() - stored.createdAt.getTime()) / 86_400_000;
    assert.equal(lifetimeDays, 7);

    // No password yet: sign-in answers as for an unknown account.
    await refusedWith(signIn(email, 'anything-at-all'), 'UNAUTHORIZED', INVALID_CREDENTIALS);
    // A password the policy refuses names the field and leaves the link usable.
    const short = await refusedWith(anonymous().auth.acceptInvitation({ token, password: 'short' }), 'BAD_REQUEST');
    assert.match(JSON.stringify(short.cause), /at least 10/);
    await refusedWith(anonymous().auth.resetPassword({ token, password: strongPassword() }), 'BAD_REQUEST', UNUSABLE_LINK);

    // Two tabs submit the same link at once: exactly one sets the password, and it is the one that signs in.
    const passwords = [strongPassword(), strongPassword()];
    const results = await Promise.allSettled(passwords.map((password) => anonymous().auth.acceptInvitation({ token, password })));
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1, JSON.stringify(results.map((r) => r.status)));
    const [set, lost] = results[0]!.status === 'fulfilled' ? passwords : [passwords[1]!, passwords[0]!];
    await refusedWith(anonymous().auth.acceptInvitation({ token, password: strongPassword() }), 'BAD_REQUEST', UNUSABLE_LINK);
    await refusedWith(signIn(email, lost!), 'UNAUTHORIZED', INVALID_CREDENTIALS);
    assert.equal((await signIn(email, set!)).user.email, email);

    const audit = await auditOf(email);
    assert.deepEqual(audit.map((e) => [e.action, e.actorEmail]), [['customer.created', admin.email], ['customer.invited', admin.email]]);
    assert.deepEqual(audit[0]!.details, { name: 'Maria Silva', plan: 'FREE' });
    assert.ok(!JSON.stringify(audit).includes(token));
  });

  it('refuses a duplicate email, an unknown plan and a non-admin, changing nothing', async () => {
    const email = emailFor('dup');
    await asAdmin().admin.customers.create({ name: 'First', email, planId: freePlanId });
    const duplicate = await refusedWith(asAdmin().admin.customers.create({ name: 'Second', email: ` ${email.toUpperCase()} `, planId: freePlanId }), 'CONFLICT');
    assert.match(JSON.stringify(duplicate.cause), /already exists/);
    await refusedWith(asAdmin().admin.customers.create({ name: 'Nobody', email: emailFor('noplan'), planId: '00000000-0000-4000-8000-000000000000' }), 'BAD_REQUEST', 'Unknown plan.');
    assert.equal(await world.db.user.count({ where: { email: emailFor('noplan') } }), 0);
    const customer = await world.db.user.findUniqueOrThrow({ where: { email } });
    const asCustomer = createCaller(context({ id: customer.id, email, name: 'First', role: 'USER' }));
    await refusedWith(asCustomer.admin.customers.create({ name: 'Sneaky', email: emailFor('sneaky'), planId: freePlanId }), 'FORBIDDEN');
    await refusedWith(asCustomer.admin.customers.setDisabled({ userId: admin.id, disabled: true }), 'FORBIDDEN');
    assert.equal((await auditOf(email)).length, 2, 'created and invited, nothing for the refusals');
  });

  it('a resent invitation replaces the earlier link; expired and unknown links are refused', async () => {
    const email = emailFor('resend');
    const { id } = await asAdmin().admin.customers.create({ name: 'Rui', email, planId: freePlanId });
    const first = await linkToken(email, /Your Chipgate account/, '/invitation/', 0);
    await asAdmin().admin.customers.resendInvitation({ userId: id });
    const second = await linkToken(email, /Your Chipgate account/, '/invitation/', 1);
    assert.notEqual(first, second);
    await refusedWith(anonymous().auth.acceptInvitation({ token: first, password: strongPassword() }), 'BAD_REQUEST', UNUSABLE_LINK);
    await refusedWith(anonymous().auth.acceptInvitation({ token: randomBytes(32).toString('base64url'), password: strongPassword() }), 'BAD_REQUEST', UNUSABLE_LINK);

    await world.db.accountToken.updateMany({ where: { userId: id, consumedAt: null }, data: { expiresAt: new Date(Date.now() - 1000) } });
    await refusedWith(anonymous().auth.acceptInvitation({ token: second, password: strongPassword() }), 'BAD_REQUEST', UNUSABLE_LINK);
    assert.equal((await world.db.user.findUniqueOrThrow({ where: { id } })).passwordHash, null);
    assert.deepEqual((await auditOf(email)).map((e) => e.action), ['customer.created', 'customer.invited', 'customer.reinvited']);

    await asAdmin().admin.customers.resendInvitation({ userId: id });
    await anonymous().auth.acceptInvitation({ token: await linkToken(email, /Your Chipgate account/, '/invitation/', 2), password: strongPassword() });
    await refusedWith(asAdmin().admin.customers.resendInvitation({ userId: id }), 'CONFLICT', /already set a password/);
  });

  it('forgot password answers the same for any email, mails only an account, and the reset ends every session', async () => {
    const email = emailFor('reset');
    const oldPassword = strongPassword();
    const user = await world.db.user.create({ data: { email, name: 'Renata', planId: freePlanId, passwordHash: await hashPassword(oldPassword) } });
    const session = await createSession(world.db, user.id);
    const nobody = emailFor('nobody');

    assert.deepEqual(await anonymous('10.0.0.1').auth.requestPasswordReset({ email: nobody }), { ok: true });
    assert.deepEqual(await anonymous('10.0.0.1').auth.requestPasswordReset({ email }), { ok: true });
    const token = await linkToken(email, /Reset your Chipgate password/, '/reset-password/');
    assert.equal(mail.to(nobody).length, 0, 'nobody is emailed for an email without an account');
    const stored = await world.db.accountToken.findFirstOrThrow({ where: { userId: user.id, purpose: 'PASSWORD_RESET' } });
    assert.equal(stored.expiresAt.getTime() - stored.createdAt.getTime(), 3_600_000, 'a reset link lasts an hour');
    await refusedWith(anonymous().auth.acceptInvitation({ token, password: strongPassword() }), 'BAD_REQUEST', UNUSABLE_LINK);

    const newPassword = strongPassword();
    await anonymous().auth.resetPassword({ token, password: newPassword });
    assert.equal(await validateSessionToken(world.db, session.token), null, 'the session from before the reset ended');
    await refusedWith(signIn(email, oldPassword), 'UNAUTHORIZED', INVALID_CREDENTIALS);
    assert.equal((await signIn(email, newPassword)).user.email, email);
    await refusedWith(anonymous().auth.resetPassword({ token, password: strongPassword() }), 'BAD_REQUEST', UNUSABLE_LINK);

    // Requests past the per-email allowance are held back, whoever sends them.
    const burst = await Promise.allSettled(Array.from({ length: 6 }, (_, i) => anonymous(`10.0.1.${i}`).auth.requestPasswordReset({ email: nobody })));
    assert.ok(burst.some((r) => r.status === 'rejected' && r.reason instanceof TRPCError && r.reason.code === 'TOO_MANY_REQUESTS'));
  });

  it('changing the password needs the current one and ends the other sessions only', async () => {
    const email = emailFor('change');
    const password = strongPassword();
    const row = await world.db.user.create({ data: { email, name: 'Carla', planId: freePlanId, passwordHash: await hashPassword(password) } });
    const here = await createSession(world.db, row.id);
    const elsewhere = await createSession(world.db, row.id);
    const me = { id: row.id, email, name: row.name, role: 'USER' as const };
    const caller = createCaller({ ...context(me), cookies: { token: here.token, set: () => {}, clear: () => {} } });
    await refusedWith(caller.auth.changePassword({ currentPassword: 'not-the-password', newPassword: strongPassword() }), 'BAD_REQUEST', /current password/);
    await refusedWith(caller.auth.changePassword({ currentPassword: password, newPassword: email }), 'BAD_REQUEST');
    assert.ok(await validateSessionToken(world.db, elsewhere.token), 'refused changes end nothing');
    const next = strongPassword();
    await caller.auth.changePassword({ currentPassword: password, newPassword: next });
    assert.ok(await validateSessionToken(world.db, here.token), 'the session it was changed in goes on');
    assert.equal(await validateSessionToken(world.db, elsewhere.token), null, 'the other session ended');
    assert.equal((await signIn(email, next)).user.email, email);
  });

  it('disabling pauses every chip and refuses sign-in; quota cannot resume them; enabling resumes them', async () => {
    const password = strongPassword();
    const owner = await world.db.user.create({ data: { email: emailFor('owner'), name: 'Otto', planId: (await world.db.plan.findUniqueOrThrow({ where: { code: 'BUSINESS' } })).id, passwordHash: await hashPassword(password) } });
    const session = await createSession(world.db, owner.id);
    const chips = [await world.startChip(owner.id, 'one'), await world.startChip(owner.id, 'two')];
    for (const chip of chips) await world.waitForState(chip, (s) => s.status === 'CONNECTED', 'chip connected');
    assert.equal((await world.throughChip(chips[0]!, '/json')).status, 200);

    const disabled = await asAdmin().admin.customers.setDisabled({ userId: owner.id, disabled: true });
    assert.equal(disabled.changed, true);
    for (const chip of chips) {
      const state = await world.waitForState(chip, (s) => s.status === 'PAUSED', 'chip paused for the disabled account');
      assert.equal(state.pauseReason, 'account disabled');
    }
    const refused = await world.throughChip(chips[0]!, '/json').catch((err: Error) => err);
    assert.ok(refused instanceof Error || refused.status === 403, 'the gateway refuses a disabled account\u2019s chip');
    assert.equal(await validateSessionToken(world.db, session.token), null, 'the account\u2019s sessions ended');
    await refusedWith(signIn(owner.email, password), 'FORBIDDEN', ACCOUNT_DISABLED);
    await refusedWith(signIn(owner.email, 'a-wrong-password'), 'UNAUTHORIZED', INVALID_CREDENTIALS);
    const late = await createSession(world.db, owner.id);
    assert.equal(await validateSessionToken(world.db, late.token), null, 'no session of a disabled account works');

    // The quota standing is fine, and a quota change (a top-up, a plan change) does not resume them.
    await world.chips.quotaChanged(chips[0]!);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    assert.equal((await world.chips.state(chips[0]!)).status, 'PAUSED');

    const enabled = await asAdmin().admin.customers.setDisabled({ userId: owner.id, disabled: false });
    assert.equal(enabled.changed, true);
    for (const chip of chips) await world.waitForState(chip, (s) => s.status === 'CONNECTED' && !s.paused, 'chip resumed');
    assert.equal((await world.throughChip(chips[0]!, '/json')).status, 200);
    assert.equal((await signIn(owner.email, password)).user.email, owner.email);
    assert.deepEqual((await auditOf(owner.email)).map((e) => [e.action, e.actorEmail]), [['customer.disabled', admin.email], ['customer.enabled', admin.email]]);
    await refusedWith(asAdmin().admin.customers.setDisabled({ userId: admin.id, disabled: true }), 'BAD_REQUEST', /your own account/);
    for (const chip of chips) await world.chips.release(chip, 'done');
  });

  it('plan and chip limit changes are recorded, and the chip limit of the customer holds', async () => {
    const owner = await world.db.user.create({ data: { email: emailFor('limits'), name: 'Lia', planId: freePlanId, passwordHash: 'unused' } });
    const business = await world.db.plan.findUniqueOrThrow({ where: { code: 'BUSINESS' } });
    await asAdmin().admin.customers.setPlan({ userId: owner.id, planId: business.id });
    await asAdmin().admin.customers.setChipLimit({ userId: owner.id, chipLimit: 1 });
    // Chip starts only need to succeed here: no workflow runs for these chips.
    const startsNothing = { workflow: { start: async () => ({}) } } as unknown as Awaited<ReturnType<Context['temporal']>>;
    const asOwner = createCaller({ ...context({ id: owner.id, email: owner.email, name: owner.name, role: 'USER' }), temporal: async () => startsNothing });
    await asOwner.chips.create({ label: 'only' });
    await refusedWith(asOwner.chips.create({ label: 'another' }), 'FORBIDDEN', /Your account allows 1 chip/);
    await asAdmin().admin.customers.setChipLimit({ userId: owner.id, chipLimit: null });
    const audit = await auditOf(owner.email);
    assert.deepEqual(
      audit.map((e) => [e.action, e.details]),
      [
        ['customer.plan_changed', { from: 'FREE', to: 'BUSINESS' }],
        ['customer.chip_limit_changed', { from: null, to: 1 }],
        ['customer.chip_limit_changed', { from: 1, to: null }],
      ],
    );
    const listed = await asAdmin().admin.customers.audit();
    assert.ok(listed.some((e) => e.targetEmail === owner.email && e.action === 'customer.plan_changed' && e.actorEmail === admin.email));
  });
});
