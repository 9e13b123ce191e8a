import { z } from 'zod';
import { invalidateSessionToken, invalidateUserSessions } from '../auth/session';
import { signInWithPassword } from '../services/auth';
import { protectedProcedure, publicProcedure, router } from '../trpc';

export const authRouter = router({
  /** The signed-in user, or null. */
  me: publicProcedure.query(({ ctx }) => ctx.user),

  signIn: publicProcedure
    .input(
      z.object({
        email: z.string().trim().min(1, { error: 'Enter your email' }).max(254).pipe(z.email({ error: 'Enter a valid email address' })),
        password: z.string().min(1, { error: 'Enter your password' }).max(1024),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const { token, expiresAt, user } = await signInWithPassword(ctx.db, { ...input, address: ctx.clientAddress ?? 'unknown' }, ctx.verifyPassword);
      ctx.cookies?.set(token, expiresAt);
      return { user };
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
