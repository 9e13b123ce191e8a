import { z } from 'zod';
import { deleteProvider, listProviderAudit, listProviders, saveProviderForm, setProviderActive, testProviderConnection } from '../../services/providers';
import { adminProcedure, router } from '../../trpc';
import { idInput } from '../../validation';

/**
 * The form's shape only; every value is judged by the provider input rules (activities'
 * parseProviderInput), whose errors name each bad field.
 */
const providerForm = z.object({
  name: z.string().optional(),
  type: z.string().optional(),
  region: z.string().optional(),
  server: z.string().optional(),
  port: z.union([z.number(), z.string()]).optional(),
  protocol: z.string().optional(),
  username: z.string().optional(),
  /** Write-only. On update, blank keeps the stored one, unless server, port or protocol change. */
  password: z.string().optional(),
  /** Write-only. Blank keeps the stored one, unless the API base URL changes. */
  apiKey: z.string().optional(),
  apiBaseUrl: z.string().optional(),
  usernameTemplate: z.string().optional(),
  stickySessionMinutes: z.union([z.number(), z.string()]).optional(),
  costPerGb: z.string().optional(),
  currency: z.string().optional(),
  isActive: z.boolean().optional(),
});

export const adminProvidersRouter = router({
  list: adminProcedure.query(({ ctx }) => listProviders(ctx.db)),
  /** Who changed which provider how (secrets only as "changed"). */
  audit: adminProcedure.query(({ ctx }) => listProviderAudit(ctx.db)),
  create: adminProcedure.input(providerForm).mutation(({ ctx, input }) => saveProviderForm(ctx.db, ctx.user.id, input)),
  update: adminProcedure
    .input(providerForm.extend({ id: z.uuid() }))
    .mutation(({ ctx, input: { id, ...form } }) => saveProviderForm(ctx.db, ctx.user.id, form, id)),
  setActive: adminProcedure
    .input(idInput.extend({ isActive: z.boolean() }))
    .mutation(({ ctx, input }) => setProviderActive(ctx.db, ctx.user.id, input.id, input.isActive)),
  delete: adminProcedure.input(idInput).mutation(({ ctx, input }) => deleteProvider(ctx.db, ctx.user.id, input.id)),
  testConnection: adminProcedure.input(idInput).mutation(({ ctx, input }) => testProviderConnection(ctx.db, ctx.temporal, input.id)),
});
