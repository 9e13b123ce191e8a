import { handleTrpcRequest } from '@/server/http/trpc-handler';

// Prisma, Temporal and node:crypto need the Node.js runtime.
export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

function handler(req: Request) {
  return handleTrpcRequest(req);
}

export { handler as GET, handler as POST };
