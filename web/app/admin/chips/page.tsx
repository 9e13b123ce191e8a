import type { Metadata } from 'next';
import { requireAdmin } from '@/server/auth/current-user';
import { AdminChipsView } from './chips-view';

export const metadata: Metadata = { title: 'All chips' };

export default async function AdminChipsPage() {
  await requireAdmin();
  return <AdminChipsView />;
}
