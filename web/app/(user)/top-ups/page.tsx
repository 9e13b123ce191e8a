import type { Metadata } from 'next';
import { requireUser } from '@/server/auth/current-user';
import { TopUpsView } from './top-ups-view';

export const metadata: Metadata = { title: 'Buy GB' };

/** The checkout sends the payer back here with ?order=<id>&checkout=success|cancelled. */
export default async function TopUpsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await requireUser();
  const { order, checkout } = await searchParams;
  return (
    <TopUpsView
      returnedOrderId={typeof order === 'string' ? order : null}
      checkout={checkout === 'success' || checkout === 'cancelled' ? checkout : null}
    />
  );
}
