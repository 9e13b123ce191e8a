import type { Metadata } from 'next';
import { requireAdmin } from '@/server/auth/current-user';
import { AuditView } from './audit-view';

export const metadata: Metadata = { title: 'Audit' };

export default async function AuditPage() {
  await requireAdmin();
  return <AuditView />;
}
