'use client';

import { useRouter } from 'next/navigation';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useTRPC } from '@/trpc/client';

export function SignOutButton() {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const leave = {
    onSettled: () => {
      queryClient.clear();
      router.replace('/sign-in');
      router.refresh();
    },
  };
  const signOut = useMutation(trpc.auth.signOut.mutationOptions(leave));
  const everywhere = useMutation(trpc.auth.signOutEverywhere.mutationOptions(leave));
  const busy = signOut.isPending || everywhere.isPending;
  return (
    <>
      <button type="button" onClick={() => signOut.mutate()} disabled={busy}>
        Sign out
      </button>
      <button type="button" onClick={() => everywhere.mutate()} disabled={busy} title="Ends your sessions on every device">
        Sign out everywhere
      </button>
    </>
  );
}
