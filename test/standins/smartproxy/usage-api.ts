/**
 * Smartproxy STAND-IN (test double, loopback only) — account traffic usage API.
 *
 *   GET /api/v2/sub-users/<username>/traffic?from=<ISO-8601>&to=<ISO-8601>
 *   Authorization: Token <apiKey>
 *
 * Counts the ledger's byte deltas stamped in [from, to). Byte counts are decimal strings because
 * they outgrow a JSON number's exact range long before they outgrow a real account.
 */
import type http from 'node:http';
import { sendJson } from './http-util';
import type { AccountMeter } from './meter';

export const USAGE_PATH = /^\/api\/v2\/sub-users\/([^/]+)\/traffic$/;

const GB = 1024 ** 3;

/** Date, or date and time with an optional zone; `Date.parse` alone would also accept things like "1". */
const ISO_8601 = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

export type UsageApiOptions = { username: string; apiKey: string; meter: AccountMeter };

export function createUsageHandler(options: UsageApiOptions) {
  return (request: http.IncomingMessage, response: http.ServerResponse, subUser: string, query: URLSearchParams): void => {
    const token = /^Token\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
    if (token !== options.apiKey) {
      sendJson(response, 401, { message: 'Unauthorized' });
      return;
    }
    if (subUser !== options.username) {
      sendJson(response, 404, { message: 'Sub-user not found' });
      return;
    }
    const from = parseInstant(query.get('from'));
    if (from === null) {
      sendJson(response, 400, { message: 'Invalid parameter: from' });
      return;
    }
    const to = parseInstant(query.get('to'));
    if (to === null || to < from) {
      sendJson(response, 400, { message: 'Invalid parameter: to' });
      return;
    }
    const bytes = options.meter.between(from, to);
    sendJson(response, 200, {
      username: subUser,
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      traffic: Number(bytes.total) / GB,
      traffic_bytes: bytes.total.toString(),
      traffic_rx_bytes: bytes.received.toString(),
      traffic_tx_bytes: bytes.sent.toString(),
    });
  };
}

function parseInstant(text: string | null): number | null {
  if (text === null || !ISO_8601.test(text)) return null;
  const instant = Date.parse(text);
  return Number.isNaN(instant) ? null : instant;
}
