import type { SocketConfig } from '@whiskeysockets/baileys';
import { HttpsProxyAgent } from 'https-proxy-agent';
import { ProxyAgent, type Dispatcher } from 'undici';

/**
 * An http.Agent that is also an undici dispatcher. Baileys rc14 hands `fetchAgent` to
 * `node:http` for uploads on Node (which rejects an undici dispatcher outright) and to `fetch` on
 * other runtimes (which silently drops anything without `dispatch()`, and then goes direct).
 * Answering both ways means neither upload path can leave the chip's proxy, whichever one a
 * Baileys release takes.
 */
export class ChipProxyAgent extends HttpsProxyAgent<string> {
  constructor(
    proxyUrl: string,
    private readonly dispatcher: Dispatcher,
  ) {
    super(proxyUrl);
  }

  dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    return this.dispatcher.dispatch(options, handler);
  }
}

/** Everything a chip's WhatsApp traffic needs to go through its own proxy, and nothing else. */
export interface ChipProxyRoute {
  /** For the WebSocket (`ws` takes an http.Agent) and for media uploads. */
  agent: ChipProxyAgent;
  /** For every `fetch` Baileys makes: media and app-state downloads, remote media to send. */
  dispatcher: ProxyAgent;
  /** The part of Baileys' socket config that carries the route. */
  socketConfig: Pick<SocketConfig, 'agent' | 'fetchAgent' | 'options'>;
  close(): Promise<void>;
}

export function openChipProxyRoute(proxyUrl: string): ChipProxyRoute {
  assertProxyUrl(proxyUrl);
  const dispatcher = new ProxyAgent(proxyUrl);
  const agent = new ChipProxyAgent(proxyUrl, dispatcher);
  return {
    agent,
    dispatcher,
    socketConfig: { agent, fetchAgent: agent, options: fetchOptions(dispatcher) },
    async close() {
      agent.destroy();
      await dispatcher.close();
    },
  };
}

/**
 * Node's global `fetch` (which Baileys calls) is typed with its bundled undici's Dispatcher, a
 * structural twin of the installed undici's that TypeScript will not equate; at run time it takes
 * the installed one's ProxyAgent (checked on Node 20.20, bundled undici 6.24, undici 7.30).
 */
export function fetchOptions(dispatcher: Dispatcher): RequestInit {
  return { dispatcher } as unknown as RequestInit;
}

/** The URL carries the chip's password, so no message here may quote it. */
function assertProxyUrl(proxyUrl: string): void {
  let url: URL;
  try {
    url = new URL(proxyUrl);
  } catch {
    throw new TypeError('proxyUrl is not a valid URL (expected http://<user>:<password>@<host>:<port>)');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TypeError(`proxyUrl must use http: or https:, got ${url.protocol}`);
  }
  if (!url.username || !url.password) {
    throw new TypeError(`proxyUrl for ${url.host} must carry the chip's credential as <user>:<password>@`);
  }
}
