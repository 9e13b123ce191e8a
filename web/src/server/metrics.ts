import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { Db } from '@chipgate/db';
import { QUOTA_PAUSE_REASON } from '@chipgate/workflows/rules/quota';

/**
 * The fleet's business state for Prometheus, read from PostgreSQL at scrape time: one place for what
 * every worker shares (a worker's own events are on its own /metrics). Counters here are totals of
 * rows that only ever grow, so they behave as Prometheus counters across restarts of the app.
 */
export function createWebMetrics(db: Db): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'chipgate_web_' });
  new Gauge({
    name: 'chipgate_chips',
    help: 'Chips (not removed) by status',
    labelNames: ['status'] as const,
    registers: [registry],
    async collect() {
      const rows = await db.chip.groupBy({ by: ['status'], where: { deletedAt: null }, _count: { _all: true } });
      this.reset();
      for (const row of rows) this.set({ status: row.status }, row._count._all);
    },
  });
  new Gauge({
    name: 'chipgate_proxy_health_score',
    help: 'Health score (0-100) of each active proxy, from the scheduled health checks',
    labelNames: ['proxy_id', 'provider'] as const,
    registers: [registry],
    async collect() {
      const proxies = await db.proxy.findMany({ where: { isActive: true }, select: { id: true, healthScore: true, provider: { select: { name: true } } } });
      this.reset();
      for (const proxy of proxies) this.set({ proxy_id: proxy.id, provider: proxy.provider.name }, proxy.healthScore);
    },
  });
  new Counter({
    name: 'chipgate_quota_pauses_total',
    help: 'Times a chip was paused because its owner used up the monthly allowance',
    registers: [registry],
    async collect() {
      const count = await db.chipEvent.count({
        where: { type: 'status_changed', AND: [{ detail: { path: ['to'], equals: 'PAUSED' } }, { detail: { path: ['reason'], equals: QUOTA_PAUSE_REASON } }] },
      });
      this.reset();
      this.inc(count);
    },
  });
  new Counter({
    name: 'chipgate_quota_alerts_total',
    help: 'Quota alerts raised, by threshold',
    labelNames: ['threshold'] as const,
    registers: [registry],
    async collect() {
      const rows = await db.quotaAlert.groupBy({ by: ['threshold'], _count: { _all: true } });
      this.reset();
      for (const row of rows) this.inc({ threshold: row.threshold }, row._count._all);
    },
  });
  return registry;
}
