'use client';

import { useState, type FormEvent } from 'react';
import { useRouter } from 'next/navigation';
import { useMutation } from '@tanstack/react-query';
import { useTRPC } from '@/trpc/client';
import { Field, fieldErrorsOf, FormError } from './form';

/** The form behind a one-time link (invitation or reset): a new password, then on to sign-in. */
export function SetPasswordForm({ token, purpose, email }: { token: string; purpose: 'INVITATION' | 'PASSWORD_RESET'; email: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const [password, setPassword] = useState('');
  const [repeated, setRepeated] = useState('');
  const [mismatch, setMismatch] = useState(false);
  const options = { onSuccess: () => router.replace('/sign-in?password=set') };
  const accept = useMutation(trpc.auth.acceptInvitation.mutationOptions(options));
  const reset = useMutation(trpc.auth.resetPassword.mutationOptions(options));
  const mutation = purpose === 'INVITATION' ? accept : reset;
  const errors = { ...fieldErrorsOf(mutation.error), ...(mismatch ? { repeated: ['The two passwords differ.'] } : {}) };

  function submit(event: FormEvent) {
    event.preventDefault();
    setMismatch(password !== repeated);
    if (password === repeated) mutation.mutate({ token, password });
  }

  return (
    <form onSubmit={submit} noValidate aria-label="Set your password">
      {/* Lets password managers file the new password under the right account. */}
      <input type="email" name="username" autoComplete="username" value={email} readOnly hidden />
      <Field label="New password" name="password" errors={errors} hint="At least 10 characters.">
        {(props) => <input {...props} type="password" autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)} required />}
      </Field>
      <Field label="Repeat the password" name="repeated" errors={errors}>
        {(props) => <input {...props} type="password" autoComplete="new-password" value={repeated} onChange={(e) => setRepeated(e.target.value)} required />}
      </Field>
      <FormError error={mutation.error} />
      <button type="submit" className="primary" disabled={mutation.isPending || mutation.isSuccess}>
        {mutation.isPending || mutation.isSuccess ? 'Saving…' : 'Set password'}
      </button>
    </form>
  );
}
