'use client';

import { useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTRPC } from '@/trpc/client';
import type { RouterOutputs } from '@/server/routers/_app';
import { FormError } from '@/components/form';
import { MonthSelect } from '@/components/month-select';
import { currentMonthKey, formatBytes, formatMoneyList } from '@/lib/format';

type Customer = RouterOutputs['admin']['customers']['list'][number];
type Plan = RouterOutputs['admin']['plans']['list'][number];

export function CustomersView() {
  const trpc = useTRPC();
  const [month, setMonth] = useState(currentMonthKey());
  const customers = useQuery(trpc.admin.customers.list.queryOptions({ month }, { refetchInterval: 10_000 }));
  const plans = useQuery(trpc.admin.plans.list.queryOptions());

  return (
    <>
      <div className="page-head">
        <h1>Customers</h1>
        <MonthSelect value={month} onChange={setMonth} />
      </div>
      <section className="card" aria-labelledby="customers-heading">
        <h2 id="customers-heading" className="sr-only">
          Customers
        </h2>
        {customers.isPending ? (
          <p className="muted">Loading…</p>
        ) : customers.error ? (
          <FormError error={customers.error} />
        ) : (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Customer</th>
                  <th scope="col">Role</th>
                  <th scope="col">Chips</th>
                  <th scope="col">Usage against limit</th>
                  <th scope="col" className="num">Cost</th>
                  <th scope="col">Plan</th>
                </tr>
              </thead>
              <tbody>
                {customers.data.map((c) => (
                  <CustomerRow key={c.id} customer={c} plans={plans.data ?? []} />
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </>
  );
}

function CustomerRow({ customer: c, plans }: { customer: Customer; plans: Plan[] }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [planId, setPlanId] = useState(c.plan.id);
  const setPlan = useMutation(
    trpc.admin.customers.setPlan.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.admin.customers.list.queryKey() }),
    }),
  );
  const percent = Number(c.percent);

  return (
    <tr data-testid={`customer-${c.email}`}>
      <th scope="row">
        {c.name}
        <div className="muted">{c.email}</div>
      </th>
      <td>{c.role === 'ADMIN' ? 'Admin' : 'Customer'}</td>
      <td className="num">{c.chips}</td>
      <td>
        <div className="mini-meter" aria-hidden="true">
          <span className={percent >= 100 ? 'over' : percent >= 80 ? 'warn' : ''} style={{ width: `${Math.min(percent, 100)}%` }} />
        </div>
        {formatBytes(c.usedBytes)} of {formatBytes(c.allowanceBytes)} ({c.percent}%)
        {c.creditBytes > 0n ? <div className="muted">incl. {formatBytes(c.creditBytes)} top-ups</div> : null}
      </td>
      <td className="num">{formatMoneyList(c.costs)}</td>
      <td>
        <form
          className="inline-form compact"
          aria-label={`Plan of ${c.email}`}
          onSubmit={(e) => {
            e.preventDefault();
            setPlan.mutate({ userId: c.id, planId });
          }}
        >
          <label className="sr-only" htmlFor={`plan-${c.id}`}>
            Plan for {c.email}
          </label>
          <select id={`plan-${c.id}`} value={planId} onChange={(e) => setPlanId(e.target.value)}>
            {plans.length === 0 ? <option value={c.plan.id}>{c.plan.name}</option> : null}
            {plans.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name} ({p.proxyGbLimit} GB)
              </option>
            ))}
          </select>
          <button type="submit" disabled={planId === c.plan.id || setPlan.isPending} aria-label={`Change plan of ${c.email}`}>
            Change plan
          </button>
        </form>
        <FormError error={setPlan.error} />
      </td>
    </tr>
  );
}
