import { z } from 'zod';
import { listPaymentMismatches } from '@chipgate/activities/top-ups/payment-mismatches';
import { listAllChips, notifyQuotaChanged } from '../../services/chips';
import { createPack, listPacks, listPlans, updatePack, updatePlan } from '../../services/catalog';
import { listCustomers } from '../../services/customers';
import { createCustomer, resendInvitation, setCustomerChipLimit, setCustomerDisabled, setCustomerPlan } from '../../services/customer-accounts';
import { listAdminAuditEvents } from '../../services/admin-audit';
import { accountMailer } from '../../account-mail';
import { billingMonth, monthInput } from '../../services/month';
import { createRotatingProxy, listProxies, setProxyActive } from '../../services/proxies';
import { alertsForMonth, dailyUsage, usageByCustomer, usageByProvider, usageTotals } from '../../services/usage';
import { platformTrafficByProvider } from '../../services/platform-traffic';
import { adminProcedure, router } from '../../trpc';
import { currencyCode, decimalText, idInput } from '../../validation';
import { adminProvidersRouter } from './providers';

const monthOnly = z.object({ month: monthInput.optional() }).optional();
const chipLimit = z.coerce
  .number({ error: 'A whole number of chips' })
  .int({ error: 'A whole number of chips' })
  .min(0, { error: 'At least 0' })
  .max(100_000, { error: 'At most 100000' });
const protocol = z.enum(['HTTP', 'HTTPS', 'SOCKS5'], { error: 'Choose HTTP, HTTPS or SOCKS5' });

const packInput = z.object({
  name: z.string().trim().min(1, { error: 'Give the pack a name' }).max(60, { error: 'At most 60 characters' }),
  // top_up_packs.size_gb is numeric(12, 3), price numeric(12, 2).
  sizeGb: decimalText({ integerDigits: 9, scale: 3, positive: true }),
  price: decimalText({ integerDigits: 10, scale: 2 }),
  currency: currencyCode.default('BRL'),
  isActive: z.boolean().default(true),
});

export const adminRouter = router({
  providers: adminProvidersRouter,

  proxies: router({
    list: adminProcedure.input(monthOnly).query(({ ctx, input }) => listProxies(ctx.db, billingMonth(input?.month))),
    createRotating: adminProcedure
      .input(
        z.object({
          providerId: z.uuid({ error: 'Choose a provider' }),
          region: z
            .string()
            .trim()
            .toLowerCase()
            .regex(/^[a-z0-9]+(?:[-_][a-z0-9]+)*$/, { error: 'A lower-case region code such as br or us-east' })
            .max(32, { error: 'At most 32 characters' }),
          protocol: protocol.default('HTTP'),
        }),
      )
      .mutation(({ ctx, input }) => createRotatingProxy(ctx.db, input)),
    setActive: adminProcedure
      .input(idInput.extend({ isActive: z.boolean() }))
      .mutation(({ ctx, input }) => setProxyActive(ctx.db, input.id, input.isActive)),
  }),

  chips: router({
    list: adminProcedure.input(monthOnly).query(({ ctx, input }) => listAllChips(ctx.db, billingMonth(input?.month))),
  }),

  customers: router({
    list: adminProcedure.input(monthOnly).query(({ ctx, input }) => listCustomers(ctx.db, billingMonth(input?.month))),
    /** A customer without a password, emailed an invitation link to set one. */
    create: adminProcedure
      .input(
        z.object({
          name: z.string().trim().min(1, { error: 'Give the customer a name' }).max(120, { error: 'At most 120 characters' }),
          email: z.string().trim().min(1, { error: 'Enter an email' }).max(254).pipe(z.email({ error: 'Enter a valid email address' })),
          planId: z.uuid({ error: 'Choose a plan' }),
        }),
      )
      .mutation(({ ctx, input }) => createCustomer(ctx.db, ctx.accountMailer ?? accountMailer(), ctx.user, input)),
    resendInvitation: adminProcedure
      .input(z.object({ userId: z.uuid() }))
      .mutation(({ ctx, input }) => resendInvitation(ctx.db, ctx.accountMailer ?? accountMailer(), ctx.user, input.userId)),
    /** Disabled: no sign-in, no session, every chip paused. Enabled: chips resume unless over quota. */
    setDisabled: adminProcedure
      .input(z.object({ userId: z.uuid(), disabled: z.boolean() }))
      .mutation(({ ctx, input }) => setCustomerDisabled(ctx.db, ctx.temporal, ctx.user, input.userId, input.disabled)),
    setPlan: adminProcedure
      .input(z.object({ userId: z.uuid(), planId: z.uuid({ error: 'Choose a plan' }) }))
      .mutation(({ ctx, input }) => setCustomerPlan(ctx.db, ctx.temporal, ctx.user, input.userId, input.planId)),
    /** The customer's own chip limit; null goes back to the plan's. */
    setChipLimit: adminProcedure
      .input(
        z.object({
          userId: z.uuid(),
          chipLimit: chipLimit.nullable(),
        }),
      )
      .mutation(({ ctx, input }) => setCustomerChipLimit(ctx.db, ctx.user, input.userId, input.chipLimit)),
    /** Who did what to which customer, newest first. */
    audit: adminProcedure.query(({ ctx }) => listAdminAuditEvents(ctx.db)),
  }),

  usage: router({
    /** Per day, per provider and per customer for one month, plus the month's totals and the platform's own traffic. */
    report: adminProcedure.input(monthOnly).query(async ({ ctx, input }) => {
      const month = billingMonth(input?.month);
      const [totals, daily, providers, customers, platform] = await Promise.all([
        usageTotals(ctx.db, { month: month.date }),
        dailyUsage(ctx.db, month),
        usageByProvider(ctx.db, month),
        usageByCustomer(ctx.db, month),
        platformTrafficByProvider(ctx.db, month),
      ]);
      return { month: month.key, totals, daily, providers, customers, platform };
    }),
    alerts: adminProcedure.input(monthOnly).query(({ ctx, input }) => alertsForMonth(ctx.db, billingMonth(input?.month))),
  }),

  plans: router({
    list: adminProcedure.query(({ ctx }) => listPlans(ctx.db)),
    update: adminProcedure
      .input(
        z.object({
          id: z.uuid(),
          name: z.string().trim().min(1, { error: 'Give the plan a name' }).max(60, { error: 'At most 60 characters' }),
          // plans.proxy_gb_limit is numeric(12, 3), monthly_price numeric(12, 2).
          proxyGbLimit: decimalText({ integerDigits: 9, scale: 3 }),
          monthlyPrice: decimalText({ integerDigits: 10, scale: 2 }),
          /** Live chips a customer on the plan may have; existing chips above a lowered limit stay. */
          chipLimit: chipLimit.optional(),
        }),
      )
      .mutation(async ({ ctx, input }) => {
        const result = await updatePlan(ctx.db, input);
        return { ...result, chips: await notifyQuotaChanged(ctx.db, ctx.temporal, { planId: input.id }) };
      }),
  }),

  payments: router({
    /** Payments that settled nothing (another checkout, another amount, unconfirmed): to refund or credit by hand. */
    mismatches: adminProcedure.query(({ ctx }) => listPaymentMismatches(ctx.db)),
  }),

  packs: router({
    list: adminProcedure.query(({ ctx }) => listPacks(ctx.db)),
    create: adminProcedure.input(packInput).mutation(({ ctx, input }) => createPack(ctx.db, input)),
    update: adminProcedure
      .input(packInput.extend({ id: z.uuid() }))
      .mutation(({ ctx, input: { id, ...pack } }) => updatePack(ctx.db, id, pack)),
  }),
});
