import type { Db } from '@chipgate/db';
import { gbToBytes } from '@chipgate/workflows/rules/bytes';
import type { BillingMonth } from './month';
import { bytesBy, costsByUser, percentOf } from './usage';

/** Every account with its plan, this month's usage against its allowance, and cost. */
export async function listCustomers(db: Db, month: BillingMonth) {
  const [users, used, costs, credits, chips] = await Promise.all([
    db.user.findMany({
      select: {
        id: true,
        email: true,
        name: true,
        role: true,
        createdAt: true,
        disabledAt: true,
        chipLimit: true,
        passwordHash: true,
        plan: { select: { id: true, code: true, name: true, proxyGbLimit: true, chipLimit: true } },
      },
      orderBy: { email: 'asc' },
    }),
    bytesBy(db, 'userId', { month: month.date }),
    costsByUser(db, { month: month.date }),
    db.topUpCredit.groupBy({ by: ['userId'], where: { month: month.date }, _sum: { bytes: true } }),
    db.chip.groupBy({ by: ['ownerId'], where: { deletedAt: null }, _count: { _all: true } }),
  ]);
  const creditBytes = new Map(credits.map((c) => [c.userId, c._sum.bytes ?? 0n]));
  const chipCount = new Map(chips.map((c) => [c.ownerId, c._count._all]));
  return users.map(({ plan, passwordHash, ...user }) => {
    const planBytes = gbToBytes(plan.proxyGbLimit.toFixed(), 'proxyGbLimit');
    const credit = creditBytes.get(user.id) ?? 0n;
    const allowanceBytes = planBytes + credit;
    const usedBytes = used.get(user.id) ?? 0n;
    return {
      ...user,
      /** Invited, and has not set a password yet (the hash itself never leaves the server). */
      invitationPending: passwordHash === null,
      plan: { ...plan, proxyGbLimit: plan.proxyGbLimit.toFixed() },
      chips: chipCount.get(user.id) ?? 0,
      usedBytes,
      planBytes,
      creditBytes: credit,
      allowanceBytes,
      percent: percentOf(usedBytes, allowanceBytes),
      costs: costs.get(user.id) ?? [],
    };
  });
}
