// Imports here are package or relative only (no "@/"), so tests drive the same handler as the Next route.
import { fetchRequestHandler, type FetchCreateContextFnOptions } from '@trpc/server/adapters/fetch';
import { appRouter } from '../routers/_app';
import { createContext, type Context } from '../trpc';
import { requestOrigin } from '../auth/session';
import { webEnv } from '../env';
import { batchRefusal, MAX_BATCH_SIZE } from './batch-policy';
import { webLog } from '../logger';
import { crossSiteRefusal } from './origin-check';

const ENDPOINT = '/api/trpc';

/** The tRPC endpoint as the Next route serves it; `createContextFor` lets tests wrap the context. */
export function handleTrpcRequest(
  req: Request,
  createContextFor: (opts: FetchCreateContextFnOptions) => Promise<Context> = createContext,
): Promise<Response> {
  const appUrl = webEnv().CHIPGATE_APP_URL;
  const crossSite = crossSiteRefusal(req, [requestOrigin(req), ...(appUrl ? [new URL(appUrl).origin.toLowerCase()] : [])]);
  if (crossSite) return Promise.resolve(Response.json({ error: { message: crossSite, code: 'FORBIDDEN' } }, { status: 403 }));
  const refusal = batchRefusal(new URL(req.url), ENDPOINT);
  if (refusal) return Promise.resolve(Response.json({ error: { message: refusal, code: 'BAD_REQUEST' } }, { status: 400 }));
  return fetchRequestHandler({
    endpoint: ENDPOINT,
    maxBatchSize: MAX_BATCH_SIZE,
    req,
    router: appRouter,
    createContext: createContextFor,
    onError({ error, path }) {
      // Server faults are logged without the input (it may hold a password) and with any encrypted
      // credential envelope a database error might quote cut out; client errors are the caller's.
      if (error.code !== 'INTERNAL_SERVER_ERROR') return;
      const fault = error.cause ?? error;
      const text = (fault.stack ?? `${fault.name}: ${fault.message}`).replace(/v1\.[\w-]+\.[\w-]+\.[\w-]+/g, '[encrypted credential]');
      webLog.error(`tRPC ${path ?? '?'} failed: ${text}`);
    },
  });
}
