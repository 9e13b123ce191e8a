import type { Metadata } from 'next';
import { ChangePasswordForm } from './change-password-form';

export const metadata: Metadata = { title: 'Account' };

export default function AccountPage() {
  return (
    <>
      <div className="page-head">
        <h1>Account</h1>
      </div>
      <section className="card" aria-labelledby="password-heading">
        <h2 id="password-heading">Change password</h2>
        <ChangePasswordForm />
      </section>
    </>
  );
}
