import { redirect } from 'next/navigation';
import { requireAdmin } from '@/server/auth/current-user';

export default async function AdminHome() {
  await requireAdmin();
  redirect('/admin/providers');
}
