'use client';

import { useState, type FormEvent } from 'react';
import Link from 'next/link';
import { useMutation } from '@tanstack/react-query';
import { useTRPC } from '@/trpc/client';
import { Field, fieldErrorsOf, FormError } from '@/components/form';

export function ForgotPasswordForm() {
  const trpc = useTRPC();
  const [email, setEmail] = useState('');
  const request = useMutation(trpc.auth.requestPasswordReset.mutationOptions());

  function submit(event: FormEvent) {
    event.preventDefault();
    request.mutate({ email });
  }

  if (request.isSuccess) {
    return (
      <>
        <p role="status" className="notice notice-good">
          If an account exists for {email}, we have sent it a link to choose a new password. The link works once, for an hour.
        </p>
        <Link href="/sign-in">Back to sign in</Link>
      </>
    );
  }
  return (
    <form onSubmit={submit} noValidate aria-label="Forgot password">
      <Field label="Email" name="email" errors={fieldErrorsOf(request.error)}>
        {(props) => <input {...props} type="email" autoComplete="username" value={email} onChange={(e) => setEmail(e.target.value)} required />}
      </Field>
      <FormError error={request.error} />
      <button type="submit" className="primary" disabled={request.isPending}>
        {request.isPending ? 'Sending…' : 'Send me a link'}
      </button>
      <p>
        <Link href="/sign-in">Back to sign in</Link>
      </p>
    </form>
  );
}
