import { db } from '@chipgate/db';
import { peekAccountToken } from '@chipgate/activities/auth/account-tokens';
import { UNUSABLE_LINK, type AccountTokenPurpose } from '@chipgate/workflows/rules/account-tokens';
import Link from 'next/link';
import { SetPasswordForm } from './set-password-form';

/** What a one-time link opens: its form while the link works, one message for every way it does not. */
export async function AccountLinkPage({ token, purpose, title }: { token: string; purpose: AccountTokenPurpose; title: string }) {
  const user = await peekAccountToken(db(), decodeURIComponent(token), purpose);
  return (
    <main className="auth-page">
      <div className="card auth-card">
        <p className="brand">Chipgate</p>
        <h1>{title}</h1>
        {user ? (
          <>
            <p className="muted">
              {user.name} · {user.email}
            </p>
            <SetPasswordForm token={decodeURIComponent(token)} purpose={purpose} email={user.email} />
          </>
        ) : (
          <>
            <p role="alert" className="form-error">
              {UNUSABLE_LINK}
            </p>
            <p>
              <Link href="/forgot-password">Ask for a new link</Link> · <Link href="/sign-in">Sign in</Link>
            </p>
          </>
        )}
      </div>
    </main>
  );
}
