import { z } from 'zod';
import { addChip, chipDetail, listOwnChips, removeChip } from '../services/chips';
import { billingMonth } from '../services/month';
import { protectedProcedure, router } from '../trpc';
import { idInput } from '../validation';

/** The signed-in user's own chips. */
export const chipsRouter = router({
  list: protectedProcedure.query(({ ctx }) => listOwnChips(ctx.db, ctx.user.id, billingMonth())),

  get: protectedProcedure.input(idInput).query(({ ctx, input }) => chipDetail(ctx.db, ctx.user, input.id, billingMonth())),

  create: protectedProcedure
    .input(
      z.object({
        label: z.string().trim().min(1, { error: 'Give the chip a label' }).max(80, { error: 'At most 80 characters' }),
        // Blank means "no number"; spaces, dots, dashes and brackets are ignored.
        phoneNumber: z
          .string()
          .optional()
          .transform((value) => value?.replace(/[\s().-]/g, '') || undefined)
          .pipe(z.string().regex(/^\+?[1-9]\d{7,14}$/, { error: 'Use international format, e.g. +55 11 91234-5678' }).optional()),
      }),
    )
    .mutation(({ ctx, input }) => addChip(ctx.db, ctx.temporal, ctx.user, input)),

  remove: protectedProcedure.input(idInput).mutation(({ ctx, input }) => removeChip(ctx.db, ctx.temporal, ctx.user, input.id)),
});
