import type { Metadata } from 'next';
import Link from 'next/link';
import { redirect } from 'next/navigation';
import { currentUser } from '@/server/auth/current-user';
import { SignInForm } from './sign-in-form';

export const metadata: Metadata = { title: 'Sign in' };
export const dynamic = 'force-dynamic';

export default async function SignInPage({ searchParams }: { searchParams: Promise<{ password?: string }> }) {
  if (await currentUser()) redirect('/');
  const passwordSet = (await searchParams).password === 'set';
  return (
    <main className="auth-page">
      <div className="card auth-card">
        <p className="brand">Chipgate</p>
        <h1>Sign in</h1>
        {passwordSet ? (
          <p role="status" className="notice notice-good">
            Your password is set. Sign in with it.
          </p>
        ) : null}
        <SignInForm />
        <p>
          <Link href="/forgot-password">Forgot your password?</Link>
        </p>
      </div>
    </main>
  );
}
