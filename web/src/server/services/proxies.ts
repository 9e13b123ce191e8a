import { TRPCError } from '@trpc/server';
import type { Db } from '@chipgate/db';
import type { BillingMonth } from './month';
import { bytesBy } from './usage';

/** Proxies with their provider, and bytes summed from proxy_usage_logs (all time and this month). */
export async function listProxies(db: Db, month: BillingMonth) {
  const [proxies, allTime, thisMonth, liveChips] = await Promise.all([
    db.proxy.findMany({
      select: {
        id: true,
        kind: true,
        protocol: true,
        region: true,
        staticHost: true,
        staticPort: true,
        healthScore: true,
        lastHealthCheck: true,
        lastExitIp: true,
        isActive: true,
        createdAt: true,
        provider: { select: { id: true, name: true, type: true, isActive: true } },
      },
      orderBy: [{ provider: { name: 'asc' } }, { region: 'asc' }, { createdAt: 'asc' }],
    }),
    bytesBy(db, 'proxyId', {}),
    bytesBy(db, 'proxyId', { month: month.date }),
    db.chipProxyAssignment.groupBy({ by: ['proxyId'], where: { releasedAt: null }, _count: { _all: true } }),
  ]);
  const chips = new Map(liveChips.map((g) => [g.proxyId, g._count._all]));
  return proxies.map((p) => ({
    ...p,
    bytesUsed: allTime.get(p.id) ?? 0n,
    bytesThisMonth: thisMonth.get(p.id) ?? 0n,
    liveChips: chips.get(p.id) ?? 0,
  }));
}

/** A rotating proxy: the provider's gateway with a sticky session per chip, in one region. */
export async function createRotatingProxy(db: Db, input: { providerId: string; region: string; protocol: 'HTTP' | 'HTTPS' | 'SOCKS5' }) {
  const provider = await db.proxyProvider.findUnique({ where: { id: input.providerId }, select: { id: true } });
  if (!provider) throw new TRPCError({ code: 'NOT_FOUND', message: 'No such provider.' });
  return db.proxy.create({
    data: { providerId: input.providerId, kind: 'ROTATING', protocol: input.protocol, region: input.region },
    select: { id: true, region: true, protocol: true, kind: true },
  });
}

export async function setProxyActive(db: Db, id: string, isActive: boolean) {
  const result = await db.proxy.updateMany({ where: { id }, data: { isActive } });
  if (result.count === 0) throw new TRPCError({ code: 'NOT_FOUND', message: 'No such proxy.' });
  return { id, isActive };
}
