'use client';

import { useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTRPC } from '@/trpc/client';
import type { RouterOutputs } from '@/server/routers/_app';
import { Field, fieldErrorsOf, FormError, OtherFieldErrors } from '@/components/form';
import { formatDateTime, formatMoney } from '@/lib/format';

type Provider = RouterOutputs['admin']['providers']['list'][number];
type TestResult = RouterOutputs['admin']['providers']['testConnection'];

const MASK = '••••••';

interface FormState {
  name: string;
  type: string;
  region: string;
  server: string;
  port: string;
  protocol: string;
  username: string;
  password: string;
  apiKey: string;
  apiBaseUrl: string;
  usernameTemplate: string;
  stickySessionMinutes: string;
  costPerGb: string;
  currency: string;
  isActive: boolean;
}

const EMPTY: FormState = {
  name: '',
  type: 'RESIDENTIAL',
  region: 'br',
  server: '',
  port: '',
  protocol: 'HTTP',
  username: '',
  password: '',
  apiKey: '',
  apiBaseUrl: '',
  usernameTemplate: '{username}-session-{session}',
  stickySessionMinutes: '30',
  costPerGb: '',
  currency: 'BRL',
  isActive: true,
};

const FORM_FIELDS = Object.keys(EMPTY);

function fromProvider(p: Provider): FormState {
  return {
    name: p.name,
    type: p.type,
    region: p.region,
    server: p.server,
    port: String(p.port),
    protocol: p.protocol,
    username: p.username,
    // Write-only: the stored secrets never come back; blank keeps them.
    password: '',
    apiKey: '',
    apiBaseUrl: p.apiBaseUrl ?? '',
    usernameTemplate: p.usernameTemplate,
    stickySessionMinutes: String(p.stickySessionMinutes),
    costPerGb: p.costPerGb,
    currency: p.currency,
    isActive: p.isActive,
  };
}

export function ProvidersView() {
  const trpc = useTRPC();
  const providers = useQuery(trpc.admin.providers.list.queryOptions());
  // null: no form open; 'new': create; otherwise the provider being edited.
  const [editing, setEditing] = useState<'new' | Provider | null>(null);

  return (
    <>
      <div className="page-head">
        <h1>Providers</h1>
        {editing === null ? (
          <button type="button" className="primary" onClick={() => setEditing('new')}>
            New provider
          </button>
        ) : null}
      </div>
      {editing !== null ? (
        <ProviderForm key={editing === 'new' ? 'new' : editing.id} provider={editing === 'new' ? null : editing} onDone={() => setEditing(null)} />
      ) : null}
      <section className="card" aria-labelledby="providers-heading">
        <h2 id="providers-heading">All providers</h2>
        {providers.isPending ? (
          <p className="muted">Loading…</p>
        ) : providers.error ? (
          <FormError error={providers.error} />
        ) : providers.data.length === 0 ? (
          <p className="muted">No providers yet.</p>
        ) : (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Endpoint</th>
                  <th scope="col">Username</th>
                  <th scope="col">Password</th>
                  <th scope="col">API key</th>
                  <th scope="col" className="num">Cost per GB</th>
                  <th scope="col" className="num">Proxies</th>
                  <th scope="col">Status</th>
                  <th scope="col">Actions</th>
                </tr>
              </thead>
              <tbody>
                {providers.data.map((p) => (
                  <ProviderRow key={p.id} provider={p} onEdit={() => setEditing(p)} />
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </>
  );
}

function ProviderRow({ provider: p, onEdit }: { provider: Provider; onEdit: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [confirmDelete, setConfirmDelete] = useState(false);
  const invalidate = () => queryClient.invalidateQueries({ queryKey: trpc.admin.providers.list.queryKey() });
  const setActive = useMutation(trpc.admin.providers.setActive.mutationOptions({ onSuccess: invalidate }));
  const remove = useMutation(trpc.admin.providers.delete.mutationOptions({ onSuccess: invalidate, onSettled: () => setConfirmDelete(false) }));
  const test = useMutation(trpc.admin.providers.testConnection.mutationOptions());

  return (
    <>
      <tr data-testid={`provider-${p.id}`}>
        <th scope="row">
          {p.name}
          <div className="muted">
            {p.type.toLowerCase()} · {p.region}
          </div>
        </th>
        <td>
          <code>
            {p.protocol.toLowerCase()}://{p.server}:{p.port}
          </code>
        </td>
        <td>{p.username}</td>
        <td>{MASK}</td>
        <td>{p.hasApiKey ? MASK : '—'}</td>
        <td className="num">
          {formatMoney(p.costPerGb, p.currency)}
          {p.prices.length > 1 && (
            <details data-testid={`provider-prices-${p.id}`}>
              <summary className="muted">{p.prices.length} prices</summary>
              <ul className="muted">
                {p.prices.map((price) => (
                  <li key={price.effectiveFrom}>
                    {formatMoney(price.costPerGb, price.currency)} from {formatDateTime(price.effectiveFrom)}
                  </li>
                ))}
              </ul>
            </details>
          )}
        </td>
        <td className="num">{p.proxies}</td>
        <td>
          <span className={`badge ${p.isActive ? 'badge-good' : 'badge-muted'}`}>{p.isActive ? 'Active' : 'Inactive'}</span>
        </td>
        <td>
          <div className="actions">
          <button type="button" onClick={() => test.mutate({ id: p.id })} disabled={test.isPending} aria-label={`Test connection of ${p.name}`}>
            {test.isPending ? 'Testing…' : 'Test connection'}
          </button>
          <button type="button" onClick={onEdit} aria-label={`Edit ${p.name}`}>
            Edit
          </button>
          <button
            type="button"
            onClick={() => setActive.mutate({ id: p.id, isActive: !p.isActive })}
            disabled={setActive.isPending}
            aria-label={`${p.isActive ? 'Deactivate' : 'Activate'} ${p.name}`}
          >
            {p.isActive ? 'Deactivate' : 'Activate'}
          </button>
          {confirmDelete ? (
            <>
              <button type="button" className="danger" onClick={() => remove.mutate({ id: p.id })} disabled={remove.isPending}>
                Confirm delete
              </button>
              <button type="button" onClick={() => setConfirmDelete(false)}>
                Cancel
              </button>
            </>
          ) : (
            <button type="button" className="danger" onClick={() => setConfirmDelete(true)} aria-label={`Delete ${p.name}`}>
              Delete
            </button>
          )}
          </div>
        </td>
      </tr>
      {test.data || test.error || remove.error || setActive.error ? (
        <tr className="row-detail">
          <td colSpan={9}>
            {test.data ? <TestOutcome name={p.name} result={test.data} /> : null}
            <FormError error={test.error ?? remove.error ?? setActive.error} />
          </td>
        </tr>
      ) : null}
    </>
  );
}

function TestOutcome({ name, result }: { name: string; result: TestResult }) {
  return result.ok ? (
    <p role="status" className="notice notice-good" data-testid="provider-test-result">
      {name}: connected. Exit IP <strong>{result.exitIp}</strong>, latency <strong>{result.latencyMs} ms</strong>.
    </p>
  ) : (
    <p role="status" className="form-error" data-testid="provider-test-result">
      {name}: connection failed ({result.reason}): {result.message}
    </p>
  );
}

function ProviderForm({ provider, onDone }: { provider: Provider | null; onDone: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [form, setForm] = useState<FormState>(provider ? fromProvider(provider) : EMPTY);
  const options = {
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: trpc.admin.providers.list.queryKey() });
      onDone();
    },
  };
  const create = useMutation(trpc.admin.providers.create.mutationOptions(options));
  const update = useMutation(trpc.admin.providers.update.mutationOptions(options));
  const mutation = provider ? update : create;
  const errors = fieldErrorsOf(mutation.error);
  const set = <K extends keyof FormState>(key: K) => (value: FormState[K]) => setForm((f) => ({ ...f, [key]: value }));

  function submit(event: FormEvent) {
    event.preventDefault();
    if (provider) update.mutate({ id: provider.id, ...form });
    else create.mutate(form);
  }

  const text = (key: Exclude<keyof FormState, 'isActive'>, label: string, extra: { type?: string; hint?: string; placeholder?: string; autoComplete?: string } = {}) => (
    <Field label={label} name={key} errors={errors} hint={extra.hint}>
      {(props) => (
        <input
          {...props}
          type={extra.type ?? 'text'}
          value={form[key]}
          placeholder={extra.placeholder}
          autoComplete={extra.autoComplete ?? 'off'}
          onChange={(e) => set(key)(e.target.value)}
        />
      )}
    </Field>
  );

  return (
    <section className="card" aria-labelledby="provider-form-heading">
      <h2 id="provider-form-heading">{provider ? `Edit ${provider.name}` : 'New provider'}</h2>
      <form onSubmit={submit} noValidate aria-label={provider ? 'Edit provider' : 'New provider'} className="grid-form">
        {text('name', 'Name')}
        <Field label="Type" name="type" errors={errors}>
          {(props) => (
            <select {...props} value={form.type} onChange={(e) => set('type')(e.target.value)}>
              <option value="RESIDENTIAL">Residential</option>
              <option value="DATACENTER">Datacenter</option>
              <option value="MOBILE">Mobile</option>
            </select>
          )}
        </Field>
        {text('region', 'Region', { hint: 'Lower-case code, e.g. br or us-east' })}
        {text('server', 'Server', { hint: 'Hostname or IP of the proxy gateway', placeholder: 'gate.smartproxy.com' })}
        {text('port', 'Port', { type: 'text', placeholder: '7000' })}
        <Field label="Protocol" name="protocol" errors={errors}>
          {(props) => (
            <select {...props} value={form.protocol} onChange={(e) => set('protocol')(e.target.value)}>
              <option value="HTTP">HTTP</option>
              <option value="HTTPS">HTTPS</option>
              <option value="SOCKS5">SOCKS5</option>
            </select>
          )}
        </Field>
        {text('username', 'Username')}
        {text('password', 'Password', {
          type: 'password',
          autoComplete: 'new-password',
          placeholder: provider ? MASK : '',
          hint: provider ? 'Stored encrypted. Leave empty to keep the current password.' : 'Stored encrypted; never shown again.',
        })}
        {text('apiKey', 'API key (optional)', {
          type: 'password',
          autoComplete: 'new-password',
          placeholder: provider?.hasApiKey ? MASK : '',
          hint: provider?.hasApiKey ? 'Leave empty to keep the current key.' : 'For the provider’s usage API.',
        })}
        {text('apiBaseUrl', 'API base URL (optional)', { placeholder: 'https://api.smartproxy.com' })}
        {text('usernameTemplate', 'Username template', { hint: 'How a sticky session is named, e.g. {username}-session-{session}' })}
        {text('stickySessionMinutes', 'Sticky session minutes')}
        {text('costPerGb', 'Cost per GB', { placeholder: '4.50', hint: 'A new price applies to bytes from the moment you save it; bytes already billed keep their price.' })}
        {text('currency', 'Currency', { placeholder: 'BRL' })}
        <div className="field checkbox">
          <label>
            <input type="checkbox" checked={form.isActive} onChange={(e) => set('isActive')(e.target.checked)} /> Active
          </label>
        </div>
        <OtherFieldErrors errors={errors} shown={FORM_FIELDS} />
        <FormError error={mutation.error} />
        <div className="actions form-actions">
          <button type="submit" className="primary" disabled={mutation.isPending}>
            {mutation.isPending ? 'Saving…' : provider ? 'Save changes' : 'Create provider'}
          </button>
          <button type="button" onClick={onDone}>
            Cancel
          </button>
        </div>
      </form>
    </section>
  );
}
