import type { Registry } from 'prom-client';
import { bearerTokenMatches } from '@chipgate/activities/secrets/bearer-token';
import { db } from '@chipgate/db';
import { webEnv } from '@/server/env';
import { createWebMetrics } from '@/server/metrics';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

// One registry per process: prom-client refuses a metric name registered twice.
let registry: Registry | undefined;

/** Prometheus scrape endpoint: the fleet's chips, proxy health, quota pauses and alerts. */
export async function GET(request: Request): Promise<Response> {
  const token = webEnv().CHIPGATE_METRICS_TOKEN;
  if (token && !bearerTokenMatches(request.headers.get('authorization'), token)) {
    return new Response('unauthorized\n', { status: 401, headers: { 'www-authenticate': 'Bearer', 'content-type': 'text/plain' } });
  }
  registry ??= createWebMetrics(db());
  return new Response(await registry.metrics(), { headers: { 'content-type': registry.contentType, 'cache-control': 'no-store' } });
}
