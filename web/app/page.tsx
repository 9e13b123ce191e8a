import { redirect } from 'next/navigation';
import { currentUser } from '@/server/auth/current-user';

export const dynamic = 'force-dynamic';

export default async function Home() {
  const user = await currentUser();
  if (!user) redirect('/sign-in');
  redirect(user.role === 'ADMIN' ? '/admin/providers' : '/chips');
}
