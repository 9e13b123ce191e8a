'use client';

import { useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTRPC } from '@/trpc/client';
import type { RouterOutputs } from '@/server/routers/_app';
import { Field, fieldErrorsOf, FormError } from '@/components/form';
import { formatMoney } from '@/lib/format';

type Plan = RouterOutputs['admin']['plans']['list'][number];
type Pack = RouterOutputs['admin']['packs']['list'][number];

export function PlansView() {
  const trpc = useTRPC();
  const plans = useQuery(trpc.admin.plans.list.queryOptions());
  const packs = useQuery(trpc.admin.packs.list.queryOptions());

  return (
    <>
      <div className="page-head">
        <h1>Plans &amp; packs</h1>
      </div>
      <section className="card" aria-labelledby="plans-heading">
        <h2 id="plans-heading">Plans</h2>
        <p className="muted">The GB limit is each month&apos;s proxy allowance before top-ups. Chips of affected customers re-check their quota on save.</p>
        {plans.isPending ? (
          <p className="muted">Loading…</p>
        ) : plans.error ? (
          <FormError error={plans.error} />
        ) : (
          <div className="stack">
            {plans.data.map((plan) => (
              <PlanForm key={plan.id} plan={plan} />
            ))}
          </div>
        )}
      </section>
      <section className="card" aria-labelledby="packs-heading">
        <h2 id="packs-heading">GB top-up packs</h2>
        <p className="muted">Orders keep the size and price they were bought at, so edits only affect new orders.</p>
        {packs.isPending ? (
          <p className="muted">Loading…</p>
        ) : packs.error ? (
          <FormError error={packs.error} />
        ) : (
          <div className="stack">
            {packs.data.map((pack) => (
              <PackForm key={pack.id} pack={pack} />
            ))}
            <PackForm pack={null} />
          </div>
        )}
      </section>
    </>
  );
}

function PlanForm({ plan }: { plan: Plan }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [name, setName] = useState(plan.name);
  const [proxyGbLimit, setProxyGbLimit] = useState(plan.proxyGbLimit);
  const [monthlyPrice, setMonthlyPrice] = useState(plan.monthlyPrice);
  const [chipLimit, setChipLimit] = useState(String(plan.chipLimit));
  const update = useMutation(
    trpc.admin.plans.update.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.admin.plans.list.queryKey() }),
    }),
  );
  const errors = fieldErrorsOf(update.error);

  function submit(event: FormEvent) {
    event.preventDefault();
    update.mutate({ id: plan.id, name, proxyGbLimit, monthlyPrice, chipLimit });
  }

  return (
    <form onSubmit={submit} noValidate className="inline-form row-form" aria-label={`Plan ${plan.code}`} data-testid={`plan-${plan.code}`}>
      <span className="row-form-title">
        <strong>{plan.code}</strong>
        <span className="muted">
          {plan.users} {plan.users === 1 ? 'account' : 'accounts'} · {formatMoney(plan.monthlyPrice, plan.currency)}/month
        </span>
      </span>
      <Field label={`Name of plan ${plan.code}`} name="name" errors={errors}>
        {(props) => <input {...props} value={name} onChange={(e) => setName(e.target.value)} />}
      </Field>
      <Field label={`GB limit of plan ${plan.code}`} name="proxyGbLimit" errors={errors}>
        {(props) => <input {...props} inputMode="decimal" value={proxyGbLimit} onChange={(e) => setProxyGbLimit(e.target.value)} />}
      </Field>
      <Field label={`Chip limit of plan ${plan.code}`} name="chipLimit" errors={errors}>
        {(props) => <input {...props} inputMode="numeric" value={chipLimit} onChange={(e) => setChipLimit(e.target.value)} />}
      </Field>
      <Field label={`Monthly price of plan ${plan.code} (${plan.currency})`} name="monthlyPrice" errors={errors}>
        {(props) => <input {...props} inputMode="decimal" value={monthlyPrice} onChange={(e) => setMonthlyPrice(e.target.value)} />}
      </Field>
      <button type="submit" disabled={update.isPending} aria-label={`Save plan ${plan.code}`}>
        Save
      </button>
      {update.isSuccess && !update.isPending ? (
        <span role="status" className="saved">
          Saved{update.data.chips.notified ? ` · ${update.data.chips.notified} chips notified` : ''}
        </span>
      ) : null}
      <FormError error={update.error} />
    </form>
  );
}

function PackForm({ pack }: { pack: Pack | null }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [name, setName] = useState(pack?.name ?? '');
  const [sizeGb, setSizeGb] = useState(pack?.sizeGb ?? '');
  const [price, setPrice] = useState(pack?.price ?? '');
  const [isActive, setIsActive] = useState(pack?.isActive ?? true);
  const options = {
    onSuccess: async () => {
      if (!pack) {
        setName('');
        setSizeGb('');
        setPrice('');
        setIsActive(true);
      }
      await queryClient.invalidateQueries({ queryKey: trpc.admin.packs.list.queryKey() });
    },
  };
  const create = useMutation(trpc.admin.packs.create.mutationOptions(options));
  const update = useMutation(trpc.admin.packs.update.mutationOptions(options));
  const mutation = pack ? update : create;
  const errors = fieldErrorsOf(mutation.error);
  const suffix = pack ? ` of pack ${pack.name}` : '';

  function submit(event: FormEvent) {
    event.preventDefault();
    const input = { name, sizeGb, price, isActive, currency: pack?.currency ?? 'BRL' };
    if (pack) update.mutate({ id: pack.id, ...input });
    else create.mutate(input);
  }

  return (
    <form onSubmit={submit} noValidate className="inline-form row-form" aria-label={pack ? `Pack ${pack.name}` : 'New pack'}>
      <span className="row-form-title">
        <strong>{pack ? pack.name : 'New pack'}</strong>
        {pack ? (
          <span className="muted">
            {formatMoney(pack.price, pack.currency)} · {pack.orders} {pack.orders === 1 ? 'order' : 'orders'}
          </span>
        ) : null}
      </span>
      <Field label={`Name${suffix}`} name="name" errors={errors}>
        {(props) => <input {...props} value={name} onChange={(e) => setName(e.target.value)} placeholder="5 GB" />}
      </Field>
      <Field label={`Size (GB)${suffix}`} name="sizeGb" errors={errors}>
        {(props) => <input {...props} inputMode="decimal" value={sizeGb} onChange={(e) => setSizeGb(e.target.value)} placeholder="5" />}
      </Field>
      <Field label={`Price${suffix} (${pack?.currency ?? 'BRL'})`} name="price" errors={errors}>
        {(props) => <input {...props} inputMode="decimal" value={price} onChange={(e) => setPrice(e.target.value)} placeholder="79.90" />}
      </Field>
      <div className="field checkbox">
        <label>
          <input type="checkbox" checked={isActive} onChange={(e) => setIsActive(e.target.checked)} /> Active{suffix}
        </label>
      </div>
      <button type="submit" className={pack ? undefined : 'primary'} disabled={mutation.isPending} aria-label={pack ? `Save pack ${pack.name}` : 'Add pack'}>
        {pack ? 'Save' : 'Add pack'}
      </button>
      {mutation.isSuccess && pack ? (
        <span role="status" className="saved">
          Saved
        </span>
      ) : null}
      <FormError error={mutation.error} />
    </form>
  );
}
