'use client';

import { useState } from 'react';
import Link from 'next/link';
import { useQuery } from '@tanstack/react-query';
import { useTRPC } from '@/trpc/client';
import { FormError } from '@/components/form';
import { ColumnChart } from '@/components/charts';
import { AllowanceCard } from '@/components/allowance-card';
import { AlertsTable } from '@/components/alerts-table';
import { MonthSelect } from '@/components/month-select';
import { currentMonthKey, formatMoneyList, formatMonth } from '@/lib/format';

export function UsageView() {
  const trpc = useTRPC();
  const thisMonth = currentMonthKey();
  const [month, setMonth] = useState(thisMonth);
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

      <AllowanceCard
        title={formatMonth(thisMonth)}
        testIdPrefix="month"
        extraFacts={(summary) => (
          <div>
            <dt>Proxy cost this month</dt>
            <dd data-testid="usage-cost">{formatMoneyList(summary.costs)}</dd>
          </div>
        )}
        footer={(summary) =>
          Number(summary.percent) >= 100 ? (
            <p className="form-error" role="status">
              Your allowance is used up and your chips are paused. <Link href="/top-ups">Buy more GB</Link> and they resume by themselves.
            </p>
          ) : Number(summary.percent) >= 80 ? (
            <p className="notice" role="status">
              You have used more than 80% of this month&apos;s allowance.
            </p>
          ) : null
        }
      />

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
