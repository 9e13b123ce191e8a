/**
 * Smartproxy STAND-IN (test double, loopback only) — the API port: extraction and usage routes.
 */
import http from 'node:http';
import { createExtractionHandler, EXTRACTION_PATH, type ExtractionApiOptions } from './extraction-api';
import { sendJson } from './http-util';
import { createUsageHandler, USAGE_PATH, type UsageApiOptions } from './usage-api';

export function createApiServer(extraction: ExtractionApiOptions, usage: UsageApiOptions): http.Server {
  const extract = createExtractionHandler(extraction);
  const traffic = createUsageHandler(usage);
  return http.createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://api');
    request.resume();
    if (request.method === 'GET' && url.pathname === EXTRACTION_PATH) {
      extract(request, response, url.searchParams).catch((error: unknown) => {
        console.error('[smartproxy stand-in] extraction failed:', error);
        sendJson(response, 500, { code: 500, msg: 'Internal error' });
      });
      return;
    }
    const usagePath = USAGE_PATH.exec(url.pathname);
    const subUser = usagePath ? decodeSegment(usagePath[1]!) : null;
    if (request.method === 'GET' && subUser !== null) {
      traffic(request, response, subUser, url.searchParams);
      return;
    }
    sendJson(response, 404, { message: 'Not found' });
  });
}

function decodeSegment(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}
