/**
 * Mail STAND-IN (test double, loopback only): a real SMTP server (smtp-server) that keeps every
 * message it accepts, parsed (mailparser), with an inbox page for the demo. Tests read messages and
 * the links in them; `refuseNextMessage()` answers 451 to exercise retries.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { isLoopbackV4 } from '../smartproxy/addresses';

export interface StandInMail {
  id: number;
  /** Envelope recipients, as the server was told them. */
  to: string[];
  from: string;
  subject: string;
  text: string;
  html: string | null;
  /** Every http(s) URL in the text body, in order. */
  links: string[];
  receivedAt: Date;
}

export interface MailStandIn {
  /** `smtp://user:password@host:port`: the value of SMTP_URL. */
  smtpUrl: string;
  /** The demo's inbox page. */
  inboxUrl: string;
  messages: readonly StandInMail[];
  to(address: string): StandInMail[];
  /** Resolves with the first message to `address` that arrives (or has arrived) matching `subject`. */
  waitFor(address: string, subject: RegExp, timeoutMs?: number): Promise<StandInMail>;
  refuseNextMessage(): void;
  close(): Promise<void>;
}

export interface MailStandInOptions {
  host?: string;
  /** SMTP credentials the server demands; the URL carries them. */
  username: string;
  password: string;
  smtpPort?: number;
  inboxPort?: number;
}

const LINK = /https?:\/\/[^\s<>"')]+/g;

export async function startMailStandIn(options: MailStandInOptions): Promise<MailStandIn> {
  const host = options.host ?? '127.0.0.1';
  if (!isLoopbackV4(host)) throw new RangeError(`the mail stand-in listens on loopback only, got host ${host}`);
  const messages: StandInMail[] = [];
  const arrivals = new Set<() => void>();
  let refuseNext = 0;

  const smtp = new SMTPServer({
    authOptional: false,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === options.username && auth.password === options.password) callback(null, { user: auth.username });
      else callback(new Error('invalid credentials'));
    },
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((parsed) => {
          if (refuseNext > 0) {
            refuseNext--;
            callback(Object.assign(new Error('mailbox busy, try again later'), { responseCode: 451 }));
            return;
          }
          const text = parsed.text ?? '';
          messages.push({
            id: messages.length + 1,
            to: session.envelope.rcptTo.map((r) => r.address),
            from: parsed.from?.text ?? '',
            subject: parsed.subject ?? '',
            text,
            html: parsed.html || null,
            links: text.match(LINK) ?? [],
            receivedAt: new Date(),
          });
          for (const notify of arrivals) notify();
          callback();
        })
        .catch((error: unknown) => callback(error instanceof Error ? error : new Error(String(error))));
    },
  });
  await new Promise<void>((resolve, reject) => {
    smtp.server.once('error', reject);
    smtp.listen(options.smtpPort ?? 0, host, resolve);
  });
  const smtpPort = (smtp.server.address() as AddressInfo).port;

  const inbox = http.createServer((request, response) => {
    const id = /^\/messages\/(\d+)$/.exec(request.url ?? '')?.[1];
    const message = id ? messages.find((m) => m.id === Number(id)) : undefined;
    response.writeHead(id && !message ? 404 : 200, { 'content-type': 'text/html; charset=utf-8', 'x-content-type-options': 'nosniff' });
    response.end(message ? messagePage(message) : inboxPage(messages));
  });
  await new Promise<void>((resolve, reject) => {
    inbox.once('error', reject);
    inbox.listen(options.inboxPort ?? 0, host, resolve);
  });
  const inboxPort = (inbox.address() as AddressInfo).port;

  const to = (address: string) => messages.filter((m) => m.to.includes(address));
  return {
    smtpUrl: `smtp://${encodeURIComponent(options.username)}:${encodeURIComponent(options.password)}@${host}:${smtpPort}`,
    inboxUrl: `http://${host}:${inboxPort}/`,
    messages,
    to,
    waitFor(address, subject, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = to(address).find((m) => subject.test(m.subject));
          if (!found) return;
          clearTimeout(timer);
          arrivals.delete(check);
          resolve(found);
        };
        const timer = setTimeout(() => {
          arrivals.delete(check);
          reject(new Error(`mail stand-in: no message to ${address} matching ${subject} within ${timeoutMs} ms`));
        }, timeoutMs);
        arrivals.add(check);
        check();
      });
    },
    refuseNextMessage: () => void refuseNext++,
    close: async () => {
      inbox.closeAllConnections();
      await Promise.all([new Promise<void>((resolve) => smtp.close(() => resolve())), new Promise<void>((resolve) => inbox.close(() => resolve()))]);
    },
  };
}

function escape(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function inboxPage(messages: readonly StandInMail[]): string {
  const rows = [...messages]
    .reverse()
    .map((m) => `<tr><td>${escape(m.receivedAt.toISOString())}</td><td>${escape(m.to.join(', '))}</td><td><a href="/messages/${m.id}">${escape(m.subject)}</a></td></tr>`)
    .join('');
  return `<!doctype html><title>Mail stand-in inbox</title><h1>Mail stand-in — every message Chipgate sent</h1><p>Refresh to see new mail.</p><table><tr><th>Received</th><th>To</th><th>Subject</th></tr>${rows}</table>`;
}

function messagePage(m: StandInMail): string {
  const text = escape(m.text).replace(LINK, (url) => `<a href="${url}">${url}</a>`);
  return `<!doctype html><title>${escape(m.subject)}</title><p><a href="/">← inbox</a></p><h1>${escape(m.subject)}</h1><p>From ${escape(m.from)} to ${escape(m.to.join(', '))}</p><pre>${text}</pre>`;
}
