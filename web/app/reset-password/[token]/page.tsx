import type { Metadata } from 'next';
import { AccountLinkPage } from '@/components/account-link-page';

export const metadata: Metadata = { title: 'Reset your password', referrer: 'no-referrer' };
export const dynamic = 'force-dynamic';

export default async function ResetPasswordPage({ params }: { params: Promise<{ token: string }> }) {
  return <AccountLinkPage token={(await params).token} purpose="PASSWORD_RESET" title="Choose a new password" />;
}
