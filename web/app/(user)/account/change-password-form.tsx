'use client';

import { useState, type FormEvent } from 'react';
import { useMutation } from '@tanstack/react-query';
import { useTRPC } from '@/trpc/client';
import { Field, fieldErrorsOf, FormError } from '@/components/form';

export function ChangePasswordForm() {
  const trpc = useTRPC();
  const [currentPassword, setCurrentPassword] = useState('');
  const [newPassword, setNewPassword] = useState('');
  const change = useMutation(
    trpc.auth.changePassword.mutationOptions({
      onSuccess: () => {
        setCurrentPassword('');
        setNewPassword('');
      },
    }),
  );
  const errors = fieldErrorsOf(change.error);

  function submit(event: FormEvent) {
    event.preventDefault();
    change.mutate({ currentPassword, newPassword });
  }

  return (
    <form onSubmit={submit} noValidate aria-label="Change password">
      <Field label="Current password" name="currentPassword" errors={errors}>
        {(props) => <input {...props} type="password" autoComplete="current-password" value={currentPassword} onChange={(e) => setCurrentPassword(e.target.value)} required />}
      </Field>
      <Field label="New password" name="newPassword" errors={errors} hint="At least 10 characters. Your other devices are signed out.">
        {(props) => <input {...props} type="password" autoComplete="new-password" value={newPassword} onChange={(e) => setNewPassword(e.target.value)} required />}
      </Field>
      <FormError error={change.error} />
      {change.isSuccess ? (
        <p role="status" className="saved">
          Password changed. Your other sessions were signed out.
        </p>
      ) : null}
      <button type="submit" className="primary" disabled={change.isPending}>
        {change.isPending ? 'Saving…' : 'Change password'}
      </button>
    </form>
  );
}
