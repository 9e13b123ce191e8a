import type { ReactNode } from 'react';
import { AppShell } from '@/components/app-shell';
import { requireAdmin } from '@/server/auth/current-user';

export const dynamic = 'force-dynamic';

export default async function AdminLayout({ children }: { children: ReactNode }) {
  const user = await requireAdmin();
  return <AppShell user={user}>{children}</AppShell>;
}
