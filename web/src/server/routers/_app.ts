import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import { router } from '../trpc';
import { adminRouter } from './admin';
import { authRouter } from './auth';
import { chipsRouter } from './chips';
import { topUpsRouter } from './top-ups';
import { usageRouter } from './usage';

export const appRouter = router({
  auth: authRouter,
  chips: chipsRouter,
  usage: usageRouter,
  topUps: topUpsRouter,
  admin: adminRouter,
});

export type AppRouter = typeof appRouter;
export type RouterInputs = inferRouterInputs<AppRouter>;
export type RouterOutputs = inferRouterOutputs<AppRouter>;
