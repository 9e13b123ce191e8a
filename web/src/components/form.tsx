'use client';

import { useId, type ReactNode } from 'react';
import { TRPCClientError } from '@trpc/client';

export type FieldErrors = Record<string, string[]>;

/** Field errors a failed tRPC call carries (zod input errors and domain errors alike). */
export function fieldErrorsOf(error: unknown): FieldErrors {
  if (error instanceof TRPCClientError) {
    const data = error.data as { fieldErrors?: FieldErrors | null } | undefined;
    return data?.fieldErrors ?? {};
  }
  return {};
}

/** The message to show for a failed call; for field errors, a hint to look at the fields. */
export function errorMessageOf(error: unknown): string | null {
  if (!error) return null;
  if (Object.keys(fieldErrorsOf(error)).length > 0) return 'Please correct the highlighted fields.';
  if (error instanceof Error) return error.message;
  return String(error);
}

export function FormError({ error }: { error: unknown }) {
  const message = errorMessageOf(error);
  if (!message) return null;
  return (
    <p role="alert" className="form-error">
      {message}
    </p>
  );
}

interface FieldProps {
  label: string;
  name: string;
  errors?: FieldErrors;
  hint?: ReactNode;
  children: (props: { id: string; name: string; 'aria-invalid': boolean; 'aria-describedby'?: string }) => ReactNode;
}

/** A labelled input with its hint and the server's error for this field right below it. */
export function Field({ label, name, errors, hint, children }: FieldProps) {
  const id = useId();
  const messages = errors?.[name] ?? [];
  const describedBy = [hint ? `${id}-hint` : null, messages.length ? `${id}-error` : null].filter(Boolean).join(' ') || undefined;
  return (
    <div className={`field${messages.length ? ' field-invalid' : ''}`}>
      <label htmlFor={id}>{label}</label>
      {children({ id, name, 'aria-invalid': messages.length > 0, 'aria-describedby': describedBy })}
      {hint ? (
        <small id={`${id}-hint`} className="hint">
          {hint}
        </small>
      ) : null}
      {messages.length ? (
        <small id={`${id}-error`} className="field-error" data-field-error={name}>
          {messages.join(' ')}
        </small>
      ) : null}
    </div>
  );
}

/** Errors for fields the form has no input for (e.g. `input`), so none is ever silently dropped. */
export function OtherFieldErrors({ errors, shown }: { errors: FieldErrors; shown: readonly string[] }) {
  const rest = Object.entries(errors).filter(([field]) => !shown.includes(field));
  if (rest.length === 0) return null;
  return (
    <ul className="field-error">
      {rest.map(([field, messages]) => (
        <li key={field}>
          {field}: {messages.join(' ')}
        </li>
      ))}
    </ul>
  );
}
