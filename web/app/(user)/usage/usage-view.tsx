'use client';

import { useState } from 'react';
import Link from 'next/link';
import { useQuery } from '@tanstack/react-query';
import { useTRPC } from '@/trpc/client';
import { FormError } from '@/components/form';
import { ColumnChart, UsageMeter } from '@/components/charts';
import { AlertsTable } from '@/components/alerts-table';
import { MonthSelect } from '@/components/month-select';
import { currentMonthKey, formatBytes, formatMoneyList, formatMonth } from '@/lib/format';

export function UsageView() {
  const trpc = useTRPC();
  const thisMonth = currentMonthKey();
  const [month, setMonth] = useState(thisMonth);
  const summary = useQuery(trpc.usage.summary.queryOptions({ month: thisMonth }, { refetchInterval: 5_000 }));
  const daily = useQuery(trpc.usage.daily.queryOptions({ month }, { refetchInterval: 10_000 }));
  const alerts = useQuery(trpc.usage.alerts.queryOptions(undefined, { refetchInterval: 10_000 }));

  return (
    <>
      <div className="page-head">
        <h1>Usage this month</h1>
        <Link href="/top-ups" className="button primary">
          Buy GB
        </Link>
      </div>

      <section className="card" aria-labelledby="allowance-heading">
        <h2 id="allowance-heading">{formatMonth(thisMonth)}</h2>
        {summary.isPending ? (
          <p className="muted">Loading…</p>
        ) : summary.error ? (
          <FormError error={summary.error} />
        ) : (
          <>
            <UsageMeter used={summary.data.usedBytes} allowance={summary.data.allowanceBytes} percent={summary.data.percent} />
            <dl className="facts">
              <div>
                <dt>Plan</dt>
                <dd>
                  {summary.data.plan.name} ({formatBytes(summary.data.planBytes)})
                </dd>
              </div>
              <div>
                <dt>Top-ups this month</dt>
                <dd data-testid="usage-credits">{formatBytes(summary.data.creditBytes)}</dd>
              </div>
              <div>
                <dt>Allowance</dt>
                <dd>{formatBytes(summary.data.allowanceBytes)}</dd>
              </div>
              <div>
                <dt>Proxy cost this month</dt>
                <dd data-testid="usage-cost">{formatMoneyList(summary.data.costs)}</dd>
              </div>
            </dl>
            {Number(summary.data.percent) >= 100 ? (
              <p className="form-error" role="status">
                Your allowance is used up and your chips are paused. <Link href="/top-ups">Buy more GB</Link> and they resume by themselves.
              </p>
            ) : Number(summary.data.percent) >= 80 ? (
              <p className="notice" role="status">
                You have used more than 80% of this month&apos;s allowance.
              </p>
            ) : null}
          </>
        )}
      </section>

      <section className="card" aria-labelledby="history-heading">
        <div className="section-head">
          <h2 id="history-heading">History</h2>
          <MonthSelect value={month} onChange={setMonth} />
        </div>
        {daily.isPending ? (
          <p className="muted">Loading…</p>
        ) : daily.error ? (
          <FormError error={daily.error} />
        ) : (
          <ColumnChart
            title={`Bytes per day, ${formatMonth(month)}`}
            data={daily.data.map((d) => ({ key: d.day, label: d.day.slice(8), value: d.bytes, detail: formatMoneyList(d.costs) }))}
          />
        )}
      </section>

      <section className="card" aria-labelledby="alerts-heading">
        <h2 id="alerts-heading">Alerts</h2>
        {alerts.isPending ? <p className="muted">Loading…</p> : alerts.error ? <FormError error={alerts.error} /> : <AlertsTable alerts={alerts.data} caption="Quota alerts" />}
      </section>
    </>
  );
}
