import type { Metadata } from 'next';
import { requireAdmin } from '@/server/auth/current-user';
import { CustomersView } from './customers-view';

export const metadata: Metadata = { title: 'Customers' };

export default async function CustomersPage() {
  await requireAdmin();
  return <CustomersView />;
}
