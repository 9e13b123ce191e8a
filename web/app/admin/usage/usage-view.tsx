'use client';

import { useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { useTRPC } from '@/trpc/client';
import { FormError } from '@/components/form';
import { BarList, ColumnChart } from '@/components/charts';
import { AlertsTable } from '@/components/alerts-table';
import { MonthSelect } from '@/components/month-select';
import { currentMonthKey, formatBytes, formatMoneyList, formatMonth } from '@/lib/format';

export function AdminUsageView() {
  const trpc = useTRPC();
  const [month, setMonth] = useState(currentMonthKey());
  const report = useQuery(trpc.admin.usage.report.queryOptions({ month }, { refetchInterval: 15_000 }));
  const alerts = useQuery(trpc.admin.usage.alerts.queryOptions({ month }, { refetchInterval: 15_000 }));

  return (
    <>
      <div className="page-head">
        <h1>Usage &amp; cost</h1>
        <MonthSelect value={month} onChange={setMonth} />
      </div>
      {report.isPending ? (
        <p className="muted">Loading…</p>
      ) : report.error ? (
        <FormError error={report.error} />
      ) : (
        <>
          <section className="card" aria-labelledby="totals-heading">
            <h2 id="totals-heading">{formatMonth(report.data.month)}</h2>
            <dl className="facts">
              <div>
                <dt>Bytes</dt>
                <dd data-testid="report-total-bytes">{formatBytes(report.data.totals.bytes)}</dd>
              </div>
              <div>
                <dt>Cost</dt>
                <dd data-testid="report-total-cost">{formatMoneyList(report.data.totals.costs)}</dd>
              </div>
            </dl>
            <ColumnChart
              title="Per day"
              data={report.data.daily.map((d) => ({ key: d.day, label: d.day.slice(8), value: d.bytes, detail: formatMoneyList(d.costs) }))}
            />
          </section>
          <div className="two-columns">
            <section className="card" aria-labelledby="per-provider-heading">
              <h2 id="per-provider-heading">Per provider</h2>
              <BarList
                title="Bytes and cost per provider"
                data={report.data.providers.map((p) => ({ key: p.id, label: p.label, value: p.bytes, detail: formatMoneyList(p.costs) }))}
              />
            </section>
            <section className="card" aria-labelledby="per-customer-heading">
              <h2 id="per-customer-heading">Per customer</h2>
              <BarList
                title="Bytes and cost per customer"
                data={report.data.customers.map((c) => ({ key: c.id, label: `${c.label} (${c.detail})`, value: c.bytes, detail: formatMoneyList(c.costs) }))}
              />
            </section>
          </div>
          <section className="card" aria-labelledby="platform-heading">
            <h2 id="platform-heading">Platform traffic</h2>
            <p className="muted">The chips&apos; exit-IP probes (at most hourly per chip): the providers bill them to us, no customer pays for them, and they are not in the totals above.</p>
            <BarList
              title="Platform bytes and cost per provider"
              data={report.data.platform.map((p) => ({ key: p.id, label: p.label, value: p.bytes, detail: formatMoneyList([p.cost]) }))}
            />
          </section>
        </>
      )}
      <section className="card" aria-labelledby="alerts-log-heading">
        <h2 id="alerts-log-heading">Alerts log</h2>
        {alerts.isPending ? (
          <p className="muted">Loading…</p>
        ) : alerts.error ? (
          <FormError error={alerts.error} />
        ) : (
          <AlertsTable alerts={alerts.data} showUser caption={`Quota alerts, ${formatMonth(month)}`} />
        )}
      </section>
    </>
  );
}
