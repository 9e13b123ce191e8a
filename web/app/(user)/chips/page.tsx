import type { Metadata } from 'next';
import { requireUser } from '@/server/auth/current-user';
import { ChipsView } from './chips-view';

export const metadata: Metadata = { title: 'My chips' };

export default async function ChipsPage() {
  await requireUser();
  return <ChipsView />;
}
