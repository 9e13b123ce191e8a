/**
 * Smartproxy STAND-IN (test double, loopback only) — IP extraction API.
 *
 *   GET /web_v1/ip/get-ip-v3?app_key=&pt=&num=&cc=&life=&format=txt|json&protocol=http|https|socks5
 *
 * Like the real API, every refusal is an HTTP 200 whose JSON `code` says what went wrong; only a
 * successful txt extraction is not JSON. `pt` (package type) and `cc` (country) are accepted and
 * ignored: the stand-in has one pool and no geography.
 */
import type http from 'node:http';
import type { AllowList } from './addresses';
import { sendJson, sendText } from './http-util';
import { MAX_ENDPOINTS, type IpEndpoints } from './ip-endpoints';

export const EXTRACTION_PATH = '/web_v1/ip/get-ip-v3';

export type ExtractionApiOptions = {
  apiKey: string;
  host: string;
  allowList: AllowList;
  endpoints: IpEndpoints;
  defaultLifeMinutes: number;
};

type Extraction = { num: number; format: 'txt' | 'json'; lifeMinutes: number };

export function createExtractionHandler(options: ExtractionApiOptions) {
  return async (request: http.IncomingMessage, response: http.ServerResponse, query: URLSearchParams): Promise<void> => {
    if (!options.allowList.allows(request.socket.remoteAddress)) {
      sendJson(response, 200, { code: 202, msg: 'Please add IP in the allow list first' });
      return;
    }
    if (query.get('app_key') !== options.apiKey) {
      sendJson(response, 200, { code: 201, msg: 'Invalid app_key' });
      return;
    }
    const parsed = parseExtraction(query, options.defaultLifeMinutes);
    if (typeof parsed === 'string') {
      sendJson(response, 200, { code: 203, msg: `Invalid parameter: ${parsed}` });
      return;
    }
    const ports = await options.endpoints.lease(parsed.num, parsed.lifeMinutes * 60_000);
    if (parsed.format === 'txt') {
      sendText(response, 200, ports.map((port) => `${options.host}:${port}`).join('\r\n'));
    } else {
      const data = ports.map((port) => ({ ip: options.host, port }));
      sendJson(response, 200, { code: 0, success: true, msg: '', data });
    }
  };
}

/** The extraction, or the name of the first invalid parameter. */
function parseExtraction(query: URLSearchParams, defaultLifeMinutes: number): Extraction | string {
  const num = positiveInteger(query.get('num') ?? '1');
  if (num === null || num > MAX_ENDPOINTS) return 'num';
  const format = query.get('format') ?? 'txt';
  if (format !== 'txt' && format !== 'json') return 'format';
  const life = query.get('life');
  const lifeMinutes = life === null ? defaultLifeMinutes : positiveInteger(life);
  if (lifeMinutes === null) return 'life';
  // The endpoints are HTTP proxies (CONNECT included, which is what `https` asks for); answering a
  // socks5 request with them would hand the client an endpoint that cannot speak its protocol.
  const protocol = query.get('protocol') ?? 'http';
  if (protocol !== 'http' && protocol !== 'https') return 'protocol';
  return { num, format, lifeMinutes };
}

function positiveInteger(text: string): number | null {
  if (!/^[1-9]\d*$/.test(text)) return null;
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : null;
}
