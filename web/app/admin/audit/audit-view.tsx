'use client';

import { useQuery } from '@tanstack/react-query';
import { useTRPC } from '@/trpc/client';
import { DataTable, type Column } from '@/components/data-table';
import { formatDateTime } from '@/lib/format';
import type { PaymentMismatchView } from '@chipgate/activities/top-ups/payment-mismatches';

interface ProviderChange {
  id: string;
  createdAt: Date | string;
  providerName: string;
  action: string;
  actorEmail: string | null;
  changes: unknown;
}

const when = { header: 'When', cell: (row: { createdAt: Date | string }) => formatDateTime(row.createdAt) };

const MISMATCH_COLUMNS: ReadonlyArray<Column<PaymentMismatchView>> = [
  when,
  { header: 'Customer', cell: (m) => m.userEmail ?? '—' },
  { header: 'Order', cell: (m) => m.orderId ?? '—' },
  { header: 'Reason', cell: (m) => m.reason },
  { header: 'Expected', cell: (m) => m.expected ?? '—', numeric: true },
  { header: 'Paid', cell: (m) => m.paid ?? '—', numeric: true },
  { header: 'Provider event', cell: (m) => `${m.paymentProvider} ${m.eventId}` },
];

const CHANGE_COLUMNS: ReadonlyArray<Column<ProviderChange>> = [
  when,
  { header: 'Provider', cell: (e) => e.providerName },
  { header: 'Change', cell: (e) => e.action },
  { header: 'By', cell: (e) => e.actorEmail ?? '—' },
  { header: 'Fields', cell: (e) => <code>{JSON.stringify(e.changes)}</code> },
];

/** What admins review: payments that credited nothing, and who changed which provider. */
export function AuditView() {
  const trpc = useTRPC();
  const mismatches = useQuery(trpc.admin.payments.mismatches.queryOptions());
  const changes = useQuery(trpc.admin.providers.audit.queryOptions());
  return (
    <>
      <div className="page-head">
        <h1>Audit</h1>
      </div>
      <section className="card" aria-labelledby="mismatches-heading">
        <h2 id="mismatches-heading">Payments that credited nothing</h2>
        <p className="muted">
          Another checkout than the order&apos;s own, another amount or currency, or a confirmation the provider does not back. Refund, or credit by hand.
        </p>
        <DataTable query={mismatches} empty="No mismatched payments." columns={MISMATCH_COLUMNS} rowKey={(m) => m.id} />
      </section>
      <section className="card" aria-labelledby="provider-changes-heading">
        <h2 id="provider-changes-heading">Provider changes</h2>
        <DataTable query={changes} empty="No provider changes yet." columns={CHANGE_COLUMNS} rowKey={(e) => e.id} />
      </section>
    </>
  );
}
