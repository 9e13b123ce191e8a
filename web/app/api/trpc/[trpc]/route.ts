import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { appRouter } from '@/server/routers/_app';
import { createContext } from '@/server/trpc';

// Prisma, Temporal and node:crypto need the Node.js runtime.
export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

function handler(req: Request) {
  return fetchRequestHandler({
    endpoint: '/api/trpc',
    req,
    router: appRouter,
    createContext,
    onError({ error, path }) {
      // Server faults are logged without the input (it may hold a password) and with any encrypted
      // credential envelope a database error might quote cut out; client errors are the caller's.
      if (error.code !== 'INTERNAL_SERVER_ERROR') return;
      const fault = error.cause ?? error;
      const text = (fault.stack ?? `${fault.name}: ${fault.message}`).replace(/v1\.[\w-]+\.[\w-]+\.[\w-]+/g, '[encrypted credential]');
      console.error(`tRPC ${path ?? '?'} failed: ${text}`);
    },
  });
}

export { handler as GET, handler as POST };
