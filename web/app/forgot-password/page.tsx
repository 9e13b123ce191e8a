import type { Metadata } from 'next';
import { ForgotPasswordForm } from './forgot-password-form';

export const metadata: Metadata = { title: 'Forgot password' };

export default function ForgotPasswordPage() {
  return (
    <main className="auth-page">
      <div className="card auth-card">
        <p className="brand">Chipgate</p>
        <h1>Forgot your password?</h1>
        <ForgotPasswordForm />
      </div>
    </main>
  );
}
