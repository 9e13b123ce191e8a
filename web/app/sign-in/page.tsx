import type { Metadata } from 'next';
import { redirect } from 'next/navigation';
import { currentUser } from '@/server/auth/current-user';
import { SignInForm } from './sign-in-form';

export const metadata: Metadata = { title: 'Sign in' };
export const dynamic = 'force-dynamic';

export default async function SignInPage() {
  if (await currentUser()) redirect('/');
  return (
    <main className="auth-page">
      <div className="card auth-card">
        <p className="brand">Chipgate</p>
        <h1>Sign in</h1>
        <SignInForm />
      </div>
    </main>
  );
}
