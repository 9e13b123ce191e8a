import type { Metadata } from 'next';
import { requireAdmin } from '@/server/auth/current-user';
import { AdminUsageView } from './usage-view';

export const metadata: Metadata = { title: 'Usage & cost' };

export default async function AdminUsagePage() {
  await requireAdmin();
  return <AdminUsageView />;
}
