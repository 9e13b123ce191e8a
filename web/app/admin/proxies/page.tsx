import type { Metadata } from 'next';
import { requireAdmin } from '@/server/auth/current-user';
import { ProxiesView } from './proxies-view';

export const metadata: Metadata = { title: 'Proxies' };

export default async function ProxiesPage() {
  await requireAdmin();
  return <ProxiesView />;
}
