'use client';

import { useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTRPC } from '@/trpc/client';
import { Field, fieldErrorsOf, FormError } from '@/components/form';
import { formatBytes, formatDateTime } from '@/lib/format';

export function ProxiesView() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const proxies = useQuery(trpc.admin.proxies.list.queryOptions(undefined, { refetchInterval: 10_000 }));
  const setActive = useMutation(
    trpc.admin.proxies.setActive.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.admin.proxies.list.queryKey() }),
    }),
  );

  return (
    <>
      <div className="page-head">
        <h1>Proxies</h1>
      </div>
      <CreateProxyForm />
      <section className="card" aria-labelledby="proxies-heading">
        <h2 id="proxies-heading">All proxies</h2>
        {proxies.isPending ? (
          <p className="muted">Loading…</p>
        ) : proxies.error ? (
          <FormError error={proxies.error} />
        ) : proxies.data.length === 0 ? (
          <p className="muted">No proxies yet.</p>
        ) : (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Provider</th>
                  <th scope="col">Type</th>
                  <th scope="col">Kind</th>
                  <th scope="col">Protocol</th>
                  <th scope="col">Region</th>
                  <th scope="col" className="num">Health</th>
                  <th scope="col" className="num">Bytes used</th>
                  <th scope="col" className="num">This month</th>
                  <th scope="col" className="num">Live chips</th>
                  <th scope="col">Last exit IP</th>
                  <th scope="col">Last health check</th>
                  <th scope="col">Status</th>
                </tr>
              </thead>
              <tbody>
                {proxies.data.map((p) => (
                  <tr key={p.id} data-testid={`proxy-${p.id}`}>
                    <th scope="row">{p.provider.name}</th>
                    <td>{p.provider.type}</td>
                    <td>{p.kind === 'STATIC' ? `Static ${p.staticHost ?? ''}${p.staticPort ? `:${p.staticPort}` : ''}` : 'Rotating'}</td>
                    <td>{p.protocol}</td>
                    <td>{p.region}</td>
                    <td className="num">
                      <span className={`badge ${p.healthScore >= 80 ? 'badge-good' : p.healthScore >= 50 ? 'badge-warn' : 'badge-bad'}`}>{p.healthScore}</span>
                    </td>
                    <td className="num">{formatBytes(p.bytesUsed)}</td>
                    <td className="num">{formatBytes(p.bytesThisMonth)}</td>
                    <td className="num">{p.liveChips}</td>
                    <td>{p.lastExitIp ?? '—'}</td>
                    <td>{formatDateTime(p.lastHealthCheck)}</td>
                    <td>
                      <button
                        type="button"
                        onClick={() => setActive.mutate({ id: p.id, isActive: !p.isActive })}
                        aria-label={`${p.isActive ? 'Deactivate' : 'Activate'} proxy ${p.provider.name} ${p.region}`}
                      >
                        {p.isActive ? 'Active — deactivate' : 'Inactive — activate'}
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        <FormError error={setActive.error} />
      </section>
    </>
  );
}

function CreateProxyForm() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const providers = useQuery(trpc.admin.providers.list.queryOptions());
  const [providerId, setProviderId] = useState('');
  const [region, setRegion] = useState('br');
  const [protocol, setProtocol] = useState<'HTTP' | 'HTTPS' | 'SOCKS5'>('HTTP');
  const create = useMutation(
    trpc.admin.proxies.createRotating.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.admin.proxies.list.queryKey() }),
    }),
  );
  const errors = fieldErrorsOf(create.error);

  function submit(event: FormEvent) {
    event.preventDefault();
    create.mutate({ providerId, region, protocol });
  }

  return (
    <section className="card" aria-labelledby="new-proxy-heading">
      <h2 id="new-proxy-heading">New rotating proxy</h2>
      <p className="muted">Uses the provider&apos;s gateway; each chip gets its own sticky session on it.</p>
      <form onSubmit={submit} noValidate className="inline-form" aria-label="New rotating proxy">
        <Field label="Provider" name="providerId" errors={errors}>
          {(props) => (
            <select {...props} value={providerId} onChange={(e) => setProviderId(e.target.value)}>
              <option value="">Choose…</option>
              {providers.data?.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name}
                  {p.isActive ? '' : ' (inactive)'}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Region" name="region" errors={errors}>
          {(props) => <input {...props} value={region} onChange={(e) => setRegion(e.target.value)} />}
        </Field>
        <Field label="Protocol" name="protocol" errors={errors}>
          {(props) => (
            <select {...props} value={protocol} onChange={(e) => setProtocol(e.target.value as typeof protocol)}>
              <option value="HTTP">HTTP</option>
              <option value="HTTPS">HTTPS</option>
              <option value="SOCKS5">SOCKS5</option>
            </select>
          )}
        </Field>
        <button type="submit" className="primary" disabled={create.isPending}>
          Create proxy
        </button>
      </form>
      <FormError error={create.error} />
      {create.isSuccess ? <p role="status" className="notice notice-good">Proxy created.</p> : null}
    </section>
  );
}
