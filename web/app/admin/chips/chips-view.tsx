'use client';

import { useQuery } from '@tanstack/react-query';
import { useTRPC } from '@/trpc/client';
import { FormError } from '@/components/form';
import { ChipStatusBadge } from '@/components/chip-status';
import { formatBytes, formatDateTime } from '@/lib/format';

export function AdminChipsView() {
  const trpc = useTRPC();
  const chips = useQuery(trpc.admin.chips.list.queryOptions(undefined, { refetchInterval: 5_000 }));

  return (
    <>
      <div className="page-head">
        <h1>All chips</h1>
      </div>
      <section className="card" aria-labelledby="all-chips-heading">
        <h2 id="all-chips-heading" className="sr-only">
          Chips
        </h2>
        {chips.isPending ? (
          <p className="muted">Loading…</p>
        ) : chips.error ? (
          <FormError error={chips.error} />
        ) : chips.data.length === 0 ? (
          <p className="muted">No chips.</p>
        ) : (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Chip</th>
                  <th scope="col">Owner</th>
                  <th scope="col">Status</th>
                  <th scope="col">Proxy</th>
                  <th scope="col">Session</th>
                  <th scope="col">Exit IP</th>
                  <th scope="col" className="num">Bytes this month</th>
                  <th scope="col">Last error</th>
                  <th scope="col">Workflow</th>
                </tr>
              </thead>
              <tbody>
                {chips.data.map((c) => (
                  <tr key={c.id} data-testid={`admin-chip-${c.id}`}>
                    <th scope="row">
                      {c.label}
                      {c.phoneNumber ? <div className="muted">{c.phoneNumber}</div> : null}
                    </th>
                    <td>
                      {c.owner.name}
                      <div className="muted">{c.owner.email}</div>
                    </td>
                    <td>
                      <ChipStatusBadge status={c.status} />
                    </td>
                    <td>
                      {c.assignment ? (
                        <>
                          {c.assignment.proxy.provider.name} · {c.assignment.proxy.region}
                          <div className="muted">since {formatDateTime(c.assignment.assignedAt)}</div>
                        </>
                      ) : (
                        '—'
                      )}
                    </td>
                    <td>{c.assignment ? <code>{c.assignment.sessionId}</code> : '—'}</td>
                    <td>{c.exitIp ?? '—'}</td>
                    <td className="num">{formatBytes(c.bytesThisMonth)}</td>
                    <td className="wrap">{c.lastError ?? '—'}</td>
                    <td>
                      {c.workflowUrl ? (
                        <a href={c.workflowUrl} target="_blank" rel="noreferrer" aria-label={`Workflow of chip ${c.label} in Temporal UI`}>
                          Temporal UI ↗
                        </a>
                      ) : (
                        <code title="TEMPORAL_UI_URL is not set">chip-{c.id}</code>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </>
  );
}
