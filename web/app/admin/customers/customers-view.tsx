'use client';

import { useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTRPC } from '@/trpc/client';
import type { RouterOutputs } from '@/server/routers/_app';
import { Field, fieldErrorsOf, FormError } from '@/components/form';
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
      <NewCustomerForm plans={plans.data ?? []} />
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
                  <th scope="col">Chip limit</th>
                  <th scope="col">Account</th>
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
  const status = c.disabledAt ? 'Disabled' : c.invitationPending ? 'Invited' : 'Active';

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
      <td>
        <ChipLimitForm customer={c} />
      </td>
      <td>
        <span className="badge" data-testid="account-status">
          {status}
        </span>
        <AccountActions customer={c} />
      </td>
    </tr>
  );
}

function useRefreshCustomers() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: trpc.admin.customers.list.queryKey() }),
      queryClient.invalidateQueries({ queryKey: trpc.admin.customers.audit.queryKey() }),
    ]);
}

function InvitationResult({ invitation }: { invitation: { sent: boolean; error?: string | undefined } | undefined }) {
  if (!invitation) return null;
  return invitation.sent ? (
    <p role="status" className="saved">
      Invitation sent.
    </p>
  ) : (
    <p role="alert" className="form-error">
      The account exists, but the invitation email was not sent ({invitation.error}). Use Resend invitation.
    </p>
  );
}

/** Name, email and plan: the account is created without a password, and its owner is emailed a link to set one. */
function NewCustomerForm({ plans }: { plans: Plan[] }) {
  const trpc = useTRPC();
  const refresh = useRefreshCustomers();
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [planId, setPlanId] = useState('');
  const create = useMutation(
    trpc.admin.customers.create.mutationOptions({
      onSuccess: async () => {
        setName('');
        setEmail('');
        await refresh();
      },
    }),
  );
  const errors = fieldErrorsOf(create.error);
  const chosenPlan = planId || plans.find((p) => p.code === 'FREE')?.id || plans[0]?.id || '';
  return (
    <section className="card" aria-labelledby="new-customer-heading">
      <h2 id="new-customer-heading">New customer</h2>
      <form
        className="inline-form"
        aria-label="New customer"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate({ name, email, planId: chosenPlan });
        }}
      >
        <Field label="Name" name="name" errors={errors}>
          {(props) => <input {...props} value={name} onChange={(e) => setName(e.target.value)} required />}
        </Field>
        <Field label="Email" name="email" errors={errors}>
          {(props) => <input {...props} type="email" value={email} onChange={(e) => setEmail(e.target.value)} required />}
        </Field>
        <Field label="Plan" name="planId" errors={errors}>
          {(props) => (
            <select {...props} value={chosenPlan} onChange={(e) => setPlanId(e.target.value)}>
              {plans.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name}
                </option>
              ))}
            </select>
          )}
        </Field>
        <button type="submit" className="primary" disabled={create.isPending}>
          Create and invite
        </button>
      </form>
      <FormError error={create.error} />
      <InvitationResult invitation={create.data?.invitation} />
    </section>
  );
}

function ChipLimitForm({ customer: c }: { customer: Customer }) {
  const trpc = useTRPC();
  const refresh = useRefreshCustomers();
  const [limit, setLimit] = useState(c.chipLimit === null ? '' : String(c.chipLimit));
  const setChipLimit = useMutation(trpc.admin.customers.setChipLimit.mutationOptions({ onSuccess: refresh }));
  const current = c.chipLimit === null ? '' : String(c.chipLimit);
  return (
    <form
      className="inline-form compact"
      aria-label={`Chip limit of ${c.email}`}
      onSubmit={(e) => {
        e.preventDefault();
        setChipLimit.mutate({ userId: c.id, chipLimit: limit.trim() === '' ? null : Number(limit) });
      }}
    >
      <label className="sr-only" htmlFor={`chip-limit-${c.id}`}>
        Chip limit for {c.email}
      </label>
      <input id={`chip-limit-${c.id}`} inputMode="numeric" size={5} placeholder={`plan: ${c.plan.chipLimit}`} value={limit} onChange={(e) => setLimit(e.target.value)} />
      <button type="submit" disabled={limit.trim() === current || setChipLimit.isPending} aria-label={`Set chip limit of ${c.email}`}>
        Set
      </button>
      <FormError error={setChipLimit.error} />
    </form>
  );
}

function AccountActions({ customer: c }: { customer: Customer }) {
  const trpc = useTRPC();
  const refresh = useRefreshCustomers();
  const setDisabled = useMutation(trpc.admin.customers.setDisabled.mutationOptions({ onSuccess: refresh }));
  const resend = useMutation(trpc.admin.customers.resendInvitation.mutationOptions({ onSuccess: refresh }));
  const disabled = c.disabledAt !== null;
  return (
    <div className="row-actions">
      <button type="button" onClick={() => setDisabled.mutate({ userId: c.id, disabled: !disabled })} disabled={setDisabled.isPending} aria-label={`${disabled ? 'Enable' : 'Disable'} ${c.email}`}>
        {disabled ? 'Enable' : 'Disable'}
      </button>
      {c.invitationPending && !disabled ? (
        <button type="button" onClick={() => resend.mutate({ userId: c.id })} disabled={resend.isPending} aria-label={`Resend invitation to ${c.email}`}>
          Resend invitation
        </button>
      ) : null}
      <FormError error={setDisabled.error ?? resend.error} />
      <InvitationResult invitation={resend.data?.invitation} />
    </div>
  );
}
