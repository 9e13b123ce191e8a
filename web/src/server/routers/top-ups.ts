import { z } from 'zod';
import { listActivePacks, listOrdersOf } from '@chipgate/activities/top-ups/top-up-orders';
import { buyTopUp, ownOrder } from '../services/top-ups';
import { protectedProcedure, router } from '../trpc';

/** GB top-ups: the packs on sale and the signed-in user's own orders. */
export const topUpsRouter = router({
  packs: protectedProcedure.query(({ ctx }) => listActivePacks(ctx.db)),

  createOrder: protectedProcedure
    .input(z.object({ packId: z.uuid({ error: 'Choose one of the packs on sale' }) }))
    .mutation(({ ctx, input }) => buyTopUp(ctx.db, ctx.temporal, ctx.user, input.packId)),

  myOrders: protectedProcedure.query(({ ctx }) => listOrdersOf(ctx.db, ctx.user.id)),

  order: protectedProcedure
    .input(z.object({ orderId: z.uuid({ error: 'Must be a valid order id' }) }))
    .query(({ ctx, input }) => ownOrder(ctx.db, ctx.user, input.orderId)),
});
