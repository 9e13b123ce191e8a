import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import type { SessionUser } from '../auth/session';
import { billingMonth, monthInput } from '../services/month';
import { alertsForUser, dailyUsage, usageSummary } from '../services/usage';
import { protectedProcedure, router } from '../trpc';

/** A user's own usage; `userId` of someone else is FORBIDDEN unless the caller is an admin. */
const usageInput = z.object({ month: monthInput.optional(), userId: z.uuid().optional() }).optional();

function subjectOf(user: SessionUser, userId: string | undefined): string {
  if (userId && userId !== user.id && user.role !== 'ADMIN') {
    throw new TRPCError({ code: 'FORBIDDEN', message: "You can only see your own account's usage." });
  }
  return userId ?? user.id;
}

export const usageRouter = router({
  summary: protectedProcedure
    .input(usageInput)
    .query(({ ctx, input }) => usageSummary(ctx.db, subjectOf(ctx.user, input?.userId), billingMonth(input?.month))),

  daily: protectedProcedure
    .input(usageInput)
    .query(({ ctx, input }) => dailyUsage(ctx.db, billingMonth(input?.month), subjectOf(ctx.user, input?.userId))),

  alerts: protectedProcedure
    .input(z.object({ userId: z.uuid().optional() }).optional())
    .query(({ ctx, input }) => alertsForUser(ctx.db, subjectOf(ctx.user, input?.userId))),
});
