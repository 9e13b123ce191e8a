import type { Metadata } from 'next';
import { requireAdmin } from '@/server/auth/current-user';
import { PlansView } from './plans-view';

export const metadata: Metadata = { title: 'Plans & packs' };

export default async function PlansPage() {
  await requireAdmin();
  return <PlansView />;
}
