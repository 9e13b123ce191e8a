import { cache } from 'react';
import { cookies, headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { db } from '@chipgate/db';
import { isSecureHeaders, sessionCookieName, validateSessionToken, type SessionUser } from './session';

/**
 * The signed-in user for a Server Component (once per request). Read-only: a Server Component
 * cannot write cookies, so sliding the session is left to the tRPC route, which can.
 */
export const currentUser = cache(async (): Promise<SessionUser | null> => {
  const token = (await cookies()).get(sessionCookieName(isSecureHeaders(await headers())))?.value;
  const session = await validateSessionToken(db(), token, { slide: false });
  return session?.user ?? null;
});

export async function requireUser(): Promise<SessionUser> {
  const user = await currentUser();
  if (!user) redirect('/sign-in');
  return user;
}

/** Admin pages: anonymous visitors go to sign-in, signed-in non-admins to their own chips. */
export async function requireAdmin(): Promise<SessionUser> {
  const user = await requireUser();
  if (user.role !== 'ADMIN') redirect('/chips');
  return user;
}
