/**
 * Top-up packs, orders and credits in the database: what the purchase workflow's activities, the
 * payment webhook and the web app share. Decimals, bigints and dates leave here as strings.
 */
import { Prisma, type Db, type TopUpOrderStatus } from '@chipgate/db';
import { billingMonthDate, billingMonthOf } from '@chipgate/workflows/rules/billing-month';
import { gbToBytes } from '@chipgate/workflows/rules/bytes';

/** Long enough to pay by card; Stripe keeps its checkout open at least 30 minutes whatever the order says. */
export const TOP_UP_ORDER_LIFETIME_MS = 60 * 60_000;

export interface TopUpPackView {
  id: string;
  name: string;
  sizeGb: string;
  price: string;
  currency: string;
}

export interface TopUpOrderView {
  id: string;
  packName: string;
  sizeGb: string;
  price: string;
  currency: string;
  status: TopUpOrderStatus;
  /** Only while the order can still be paid. */
  checkoutUrl: string | null;
  expiresAt: string;
  paidAt: string | null;
  createdAt: string;
  credit: { bytes: string; month: string } | null;
}

export class TopUpPackUnavailableError extends Error {
  override name = 'TopUpPackUnavailableError';
  constructor(readonly packId: string) {
    super(`top-up pack ${packId} does not exist or is no longer on sale`);
  }
}

/** The user already has an order waiting for payment (one at a time: each opens a checkout and a workflow). */
export class TopUpOrderPendingError extends Error {
  override name = 'TopUpOrderPendingError';
  constructor(readonly pending: { packName: string; expiresAt: Date } | null) {
    super('a top-up order of this user is already waiting for payment');
  }
}

export class UnknownTopUpOrderError extends Error {
  override name = 'UnknownTopUpOrderError';
  constructor(readonly orderId: string) {
    super(`top-up order ${orderId} does not exist`);
  }
}

export async function listActivePacks(db: Db): Promise<TopUpPackView[]> {
  const packs = await db.topUpPack.findMany({ where: { isActive: true }, orderBy: [{ sizeGb: 'asc' }, { price: 'asc' }] });
  return packs.map((p) => ({ id: p.id, name: p.name, sizeGb: p.sizeGb.toFixed(), price: p.price.toFixed(2), currency: p.currency }));
}

/** A PENDING order for one active pack, with the pack's size and price copied so later pack edits change nothing bought. */
export async function placeTopUpOrder(
  db: Db,
  input: { userId: string; packId: string; paymentProvider: string; now?: Date; lifetimeMs?: number },
): Promise<TopUpOrderView> {
  const { now = new Date(), lifetimeMs = TOP_UP_ORDER_LIFETIME_MS } = input;
  const pack = await db.topUpPack.findFirst({ where: { id: input.packId, isActive: true } });
  if (!pack) throw new TopUpPackUnavailableError(input.packId);
  let order;
  try {
    order = await db.topUpOrder.create({
      data: {
        userId: input.userId,
        packId: pack.id,
        sizeGb: pack.sizeGb,
        price: pack.price,
        currency: pack.currency,
        paymentProvider: input.paymentProvider,
        expiresAt: new Date(now.getTime() + lifetimeMs),
      },
      include: orderIncludes,
    });
  } catch (err) {
    // top_up_orders_one_pending_per_user: the database decides, so parallel purchases cannot all pass.
    if (!(err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002')) throw err;
    const pending = await db.topUpOrder.findFirst({ where: { userId: input.userId, status: 'PENDING' }, select: { expiresAt: true, pack: { select: { name: true } } } });
    throw new TopUpOrderPendingError(pending && { packName: pending.pack.name, expiresAt: pending.expiresAt });
  }
  return orderView(order);
}

export async function listOrdersOf(db: Db, userId: string): Promise<TopUpOrderView[]> {
  const orders = await db.topUpOrder.findMany({ where: { userId }, orderBy: { createdAt: 'desc' }, take: 50, include: orderIncludes });
  return orders.map(orderView);
}

/** The order and its owner, for the caller to authorise; null when there is no such order. */
export async function findOrder(db: Db, orderId: string): Promise<{ userId: string; order: TopUpOrderView } | null> {
  const order = await db.topUpOrder.findUnique({ where: { id: orderId }, include: orderIncludes });
  return order && { userId: order.userId, order: orderView(order) };
}

/** A pending order's checkout; an order that already has one, or is no longer pending, keeps what it has. */
export async function recordCheckoutSession(db: Db, orderId: string, session: { sessionId: string; url: string }): Promise<void> {
  await db.topUpOrder.updateMany({
    where: { id: orderId, status: 'PENDING', checkoutSessionId: null },
    data: { checkoutSessionId: session.sessionId, checkoutUrl: session.url },
  });
}

export type SettleOutcome =
  | { outcome: 'credited'; bytes: string; month: string }
  | { outcome: 'already_credited' }
  /** Paid after the order expired or was cancelled: recorded in paid_at, no GB credited (a refund is due). */
  | { outcome: 'late_payment'; status: 'EXPIRED' | 'CANCELLED' };

/**
 * Marks a paid order PAID and credits its GB to the billing month of `paidAt`, in one transaction.
 * Idempotent: any number of confirmations of the same order credit once (top_up_credits.order_id is
 * unique as a second guard).
 */
export async function settleTopUpPayment(db: Db, input: { orderId: string; paymentRef: string; paidAt: Date }): Promise<SettleOutcome> {
  const { orderId, paymentRef, paidAt } = input;
  return db.$transaction(async (tx) => {
    // The conditional update takes the row lock: a concurrent confirmation waits, then finds the order PAID.
    const won = await tx.topUpOrder.updateMany({ where: { id: orderId, status: 'PENDING' }, data: { status: 'PAID', paidAt } });
    const order = await tx.topUpOrder.findUnique({ where: { id: orderId }, select: { userId: true, sizeGb: true, status: true, paidAt: true } });
    if (!order) throw new UnknownTopUpOrderError(orderId);
    if (won.count === 1) {
      const bytes = gbToBytes(order.sizeGb.toFixed(), 'sizeGb');
      const month = billingMonthOf(paidAt);
      await tx.topUpCredit.create({ data: { userId: order.userId, orderId, month: billingMonthDate(month), bytes, note: `paid: ${paymentRef}` } });
      return { outcome: 'credited', bytes: bytes.toString(), month };
    }
    if (order.status === 'PAID') return { outcome: 'already_credited' };
    if (order.status === 'PENDING') throw new Error(`top-up order ${orderId} is still PENDING after being marked PAID`);
    if (order.paidAt === null) await tx.topUpOrder.update({ where: { id: orderId }, data: { paidAt } });
    return { outcome: 'late_payment', status: order.status };
  });
}

/** Ends a still-pending order unpaid; answers the order's status afterwards (a payment may have got there first). */
export async function closeUnpaidOrder(db: Db, orderId: string, status: 'EXPIRED' | 'CANCELLED'): Promise<TopUpOrderStatus> {
  await db.topUpOrder.updateMany({ where: { id: orderId, status: 'PENDING' }, data: { status } });
  const order = await db.topUpOrder.findUnique({ where: { id: orderId }, select: { status: true } });
  if (!order) throw new UnknownTopUpOrderError(orderId);
  return order.status;
}

/** The order owner's chips that still exist: their workflows re-check quota when the allowance grows. */
export async function liveChipIdsOfOrderOwner(db: Db, orderId: string): Promise<string[]> {
  const order = await db.topUpOrder.findUnique({ where: { id: orderId }, select: { userId: true } });
  if (!order) throw new UnknownTopUpOrderError(orderId);
  const chips = await db.chip.findMany({ where: { ownerId: order.userId, deletedAt: null }, select: { id: true }, orderBy: { createdAt: 'asc' } });
  return chips.map((c) => c.id);
}

const orderIncludes = { pack: { select: { name: true } }, credit: { select: { bytes: true, month: true } } } as const;

type OrderRow = NonNullable<Awaited<ReturnType<Db['topUpOrder']['findFirst']>>> & {
  pack: { name: string };
  credit: { bytes: bigint; month: Date } | null;
};

function orderView(order: OrderRow): TopUpOrderView {
  return {
    id: order.id,
    packName: order.pack.name,
    sizeGb: order.sizeGb.toFixed(),
    price: order.price.toFixed(2),
    currency: order.currency,
    status: order.status,
    checkoutUrl: order.status === 'PENDING' ? order.checkoutUrl : null,
    expiresAt: order.expiresAt.toISOString(),
    paidAt: order.paidAt?.toISOString() ?? null,
    createdAt: order.createdAt.toISOString(),
    credit: order.credit && { bytes: order.credit.bytes.toString(), month: order.credit.month.toISOString().slice(0, 10) },
  };
}
