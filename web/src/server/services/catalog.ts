import { TRPCError } from '@trpc/server';
import type { Db } from '@chipgate/db';

/** Plans and GB top-up packs: what customers can have and buy. */

export async function listPlans(db: Db) {
  const [plans, users] = await Promise.all([
    db.plan.findMany({ orderBy: { proxyGbLimit: 'asc' } }),
    db.user.groupBy({ by: ['planId'], _count: { _all: true } }),
  ]);
  const count = new Map(users.map((u) => [u.planId, u._count._all]));
  return plans.map((p) => ({
    id: p.id,
    code: p.code,
    name: p.name,
    proxyGbLimit: p.proxyGbLimit.toFixed(),
    chipLimit: p.chipLimit,
    monthlyPrice: p.monthlyPrice.toFixed(2),
    currency: p.currency.trim(),
    users: count.get(p.id) ?? 0,
    updatedAt: p.updatedAt,
  }));
}

export async function updatePlan(db: Db, input: { id: string; name: string; proxyGbLimit: string; monthlyPrice: string; chipLimit?: number | undefined }) {
  const result = await db.plan.updateMany({
    where: { id: input.id },
    data: { name: input.name, proxyGbLimit: input.proxyGbLimit, monthlyPrice: input.monthlyPrice, ...(input.chipLimit !== undefined && { chipLimit: input.chipLimit }) },
  });
  if (result.count === 0) throw new TRPCError({ code: 'NOT_FOUND', message: 'No such plan.' });
  return { id: input.id };
}

function toPack(p: { id: string; name: string; sizeGb: { toFixed(): string }; price: { toFixed(dp: number): string }; currency: string; isActive: boolean; createdAt: Date; updatedAt: Date }) {
  return { ...p, sizeGb: p.sizeGb.toFixed(), price: p.price.toFixed(2), currency: p.currency.trim() };
}

export async function listPacks(db: Db) {
  const [packs, orders] = await Promise.all([
    db.topUpPack.findMany({ orderBy: [{ isActive: 'desc' }, { sizeGb: 'asc' }] }),
    db.topUpOrder.groupBy({ by: ['packId'], _count: { _all: true } }),
  ]);
  const count = new Map(orders.map((o) => [o.packId, o._count._all]));
  return packs.map((p) => ({ ...toPack(p), orders: count.get(p.id) ?? 0 }));
}

export interface PackInput {
  name: string;
  sizeGb: string;
  price: string;
  currency: string;
  isActive: boolean;
}

export async function createPack(db: Db, input: PackInput) {
  return toPack(await db.topUpPack.create({ data: input }));
}

/** Orders copy size and price, so editing a pack never changes what was already bought. */
export async function updatePack(db: Db, id: string, input: PackInput) {
  const result = await db.topUpPack.updateMany({ where: { id }, data: input });
  if (result.count === 0) throw new TRPCError({ code: 'NOT_FOUND', message: 'No such pack.' });
  return { id };
}
