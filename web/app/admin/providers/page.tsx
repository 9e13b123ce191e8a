import type { Metadata } from 'next';
import { requireAdmin } from '@/server/auth/current-user';
import { ProvidersView } from './providers-view';

export const metadata: Metadata = { title: 'Providers' };

export default async function ProvidersPage() {
  await requireAdmin();
  return <ProvidersView />;
}
