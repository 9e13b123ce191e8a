import type { Metadata } from 'next';
import { AccountLinkPage } from '@/components/account-link-page';

export const metadata: Metadata = { title: 'Welcome', referrer: 'no-referrer' };
export const dynamic = 'force-dynamic';

export default async function InvitationPage({ params }: { params: Promise<{ token: string }> }) {
  return <AccountLinkPage token={(await params).token} purpose="INVITATION" title="Welcome to Chipgate" />;
}
