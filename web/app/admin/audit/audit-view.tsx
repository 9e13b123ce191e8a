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

interface AdminAction {
  id: string;
  createdAt: Date | string;
  actorEmail: string;
  action: string;
  targetEmail: string;
  details: unknown;
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

const ADMIN_ACTION_COLUMNS: ReadonlyArray<Column<AdminAction>> = [
  when,
  { header: 'By', cell: (e) => e.actorEmail },
  { header: 'Action', cell: (e) => e.action },
  { header: 'Customer', cell: (e) => e.targetEmail },
  { header: 'Details', cell: (e) => <code>{JSON.stringify(e.details)}</code> },
];

/** What admins review: who changed which customer account, payments that credited nothing, and who changed which provider. */
export function AuditView() {
  const trpc = useTRPC();
  const mismatches = useQuery(trpc.admin.payments.mismatches.queryOptions());
  const changes = useQuery(trpc.admin.providers.audit.queryOptions());
  const adminActions = useQuery(trpc.admin.customers.audit.queryOptions());
  return (
    <>
      <div className="page-head">
        <h1>Audit</h1>
      </div>
      <section className="card" aria-labelledby="customer-actions-heading">
        <h2 id="customer-actions-heading">Customer account changes</h2>
        <DataTable query={adminActions} empty="No customer account changes yet." columns={ADMIN_ACTION_COLUMNS} rowKey={(e) => e.id} />
      </section>
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
