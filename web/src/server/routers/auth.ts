import { z } from 'zod';
import { invalidateSessionToken, invalidateUserSessions } from '../auth/session';
import { signInWithPassword } from '../services/auth';
import { changePassword, requestPasswordReset, setPasswordWithToken } from '../services/passwords';
import { accountMailer } from '../account-mail';
import { MAX_PASSWORD_LENGTH } from '@chipgate/workflows/rules/password-policy';
import { protectedProcedure, publicProcedure, router } from '../trpc';

const emailInput = z.string().trim().min(1, { error: 'Enter your email' }).max(254).pipe(z.email({ error: 'Enter a valid email address' }));
/** The policy itself (length, email) is checked by the service, which knows the account. */
const newPassword = z.string().min(1, { error: 'Choose a password' }).max(MAX_PASSWORD_LENGTH, { error: `Use at most ${MAX_PASSWORD_LENGTH} characters.` });
const linkToken = z.string().min(1).max(200);

export const authRouter = router({
  /** The signed-in user, or null. */
  me: publicProcedure.query(({ ctx }) => ctx.user),

  signIn: publicProcedure
    .input(
      z.object({
        email: emailInput,
        password: z.string().min(1, { error: 'Enter your password' }).max(1024),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const { token, expiresAt, user } = await signInWithPassword(ctx.db, { ...input, address: ctx.clientAddress ?? 'unknown' }, ctx.verifyPassword);
      ctx.cookies?.set(token, expiresAt);
      return { user };
    }),

  /** The invitation link's page: the first password of the account. */
  acceptInvitation: publicProcedure
    .input(z.object({ token: linkToken, password: newPassword }))
    .mutation(({ ctx, input }) => setPasswordWithToken(ctx.db, { ...input, purpose: 'INVITATION' })),

  /** "Forgot password": the same answer whether or not the email has an account. */
  requestPasswordReset: publicProcedure
    .input(z.object({ email: emailInput }))
    .mutation(async ({ ctx, input }) => {
      await requestPasswordReset(ctx.db, ctx.accountMailer ?? accountMailer(), { email: input.email, address: ctx.clientAddress ?? 'unknown' });
      return { ok: true as const };
    }),

  /** The reset link's page. */
  resetPassword: publicProcedure
    .input(z.object({ token: linkToken, password: newPassword }))
    .mutation(({ ctx, input }) => setPasswordWithToken(ctx.db, { ...input, purpose: 'PASSWORD_RESET' })),

  /** A new password given the current one; every other session of the account ends. */
  changePassword: protectedProcedure
    .input(z.object({ currentPassword: z.string().min(1, { error: 'Enter your current password' }).max(1024), newPassword }))
    .mutation(async ({ ctx, input }) => {
      await changePassword(ctx.db, ctx.user, { ...input, sessionToken: ctx.cookies?.token ?? null }, ctx.verifyPassword);
      return { ok: true as const };
    }),

  signOut: protectedProcedure.mutation(async ({ ctx }) => {
    if (ctx.cookies?.token) await invalidateSessionToken(ctx.db, ctx.cookies.token);
    ctx.cookies?.clear();
    return { ok: true as const };
  }),

  /** Ends every session of the account, on every device (a stolen cookie included). */
  signOutEverywhere: protectedProcedure.mutation(async ({ ctx }) => {
    await invalidateUserSessions(ctx.db, ctx.user.id);
    ctx.cookies?.clear();
    return { ok: true as const };
  }),
});
