import type { Metadata } from 'next';
import { requireUser } from '@/server/auth/current-user';
import { UsageView } from './usage-view';

export const metadata: Metadata = { title: 'Usage' };

export default async function UsagePage() {
  await requireUser();
  return <UsageView />;
}
