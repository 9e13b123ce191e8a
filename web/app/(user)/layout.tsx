import type { ReactNode } from 'react';
import { AppShell } from '@/components/app-shell';
import { requireUser } from '@/server/auth/current-user';

export const dynamic = 'force-dynamic';

/** Every customer page (chips, usage, top-ups) needs a signed-in user. */
export default async function UserLayout({ children }: { children: ReactNode }) {
  const user = await requireUser();
  return <AppShell user={user}>{children}</AppShell>;
}
