'use client';

import type { ReactNode } from 'react';
import { useQuery } from '@tanstack/react-query';
import { useTRPC } from '@/trpc/client';
import type { RouterOutputs } from '@/server/routers/_app';
import { FormError } from '@/components/form';
import { UsageMeter } from '@/components/charts';
import { currentMonthKey, formatBytes } from '@/lib/format';

type UsageSummary = RouterOutputs['usage']['summary'];

/**
 * This month's allowance (plan + top-ups) against usage, live. Pages add their own facts and notes;
 * `testIdPrefix` keeps each page's figures addressable on their own.
 */
export function AllowanceCard({
  title,
  testIdPrefix,
  extraFacts,
  footer,
}: {
  title: string;
  testIdPrefix: string;
  extraFacts?: (summary: UsageSummary) => ReactNode;
  footer?: (summary: UsageSummary) => ReactNode;
}) {
  const trpc = useTRPC();
  const summary = useQuery(trpc.usage.summary.queryOptions({ month: currentMonthKey() }, { refetchInterval: 5_000 }));
  return (
    <section className="card" aria-labelledby="allowance-heading">
      <h2 id="allowance-heading">{title}</h2>
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
              <dd data-testid={`${testIdPrefix}-credits`}>{formatBytes(summary.data.creditBytes)}</dd>
            </div>
            <div>
              <dt>Allowance</dt>
              <dd data-testid={`${testIdPrefix}-allowance`}>{formatBytes(summary.data.allowanceBytes)}</dd>
            </div>
            {extraFacts?.(summary.data)}
          </dl>
          {footer?.(summary.data)}
        </>
      )}
    </section>
  );
}
