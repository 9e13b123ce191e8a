import nodemailer from 'nodemailer';
import type { AccountTokenPurpose } from '@chipgate/workflows/rules/account-tokens';
import { accountLinkPath } from '@chipgate/workflows/rules/account-tokens';

export interface AccountMailSettings {
  /** smtp:// or smtps:// URL; absent, account emails cannot be sent (and callers say so). */
  smtpUrl?: string | undefined;
  from: string;
  /** The web app's public URL, the base of every link. */
  appUrl: string;
}

export interface AccountLinkMessage {
  purpose: AccountTokenPurpose;
  token: string;
  expiresAt: Date;
  to: { name: string; email: string };
}

/** Subject and bodies of the email carrying a one-time link. */
export function accountEmail({ purpose, token, expiresAt, to }: AccountLinkMessage, appUrl: string) {
  const link = `${appUrl.replace(/\/+$/, '')}${accountLinkPath(purpose, token)}`;
  const until = `${expiresAt.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  const [subject, intro, action] =
    purpose === 'INVITATION'
      ? ['Your Chipgate account', 'An administrator created a Chipgate account for you.', 'Set your password to sign in']
      : ['Reset your Chipgate password', 'Someone (we hope you) asked to reset the password of your Chipgate account.', 'Choose a new password'];
  const ignore = purpose === 'INVITATION' ? '' : '\nIf it was not you, ignore this email: your password stays as it is.';
  const text = `Hello ${to.name},\n\n${intro}\n${action}: ${link}\n\nThe link works once, until ${until}.${ignore}\n`;
  const html = `<p>Hello ${escapeHtml(to.name)},</p><p>${intro}</p><p><a href="${escapeHtml(link)}">${action}</a></p><p>The link works once, until ${until}.${ignore ? `<br>${ignore.trim()}` : ''}</p>`;
  return { subject, text, html };
}

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export type AccountMailer = (message: AccountLinkMessage) => Promise<void>;

const SMTP_TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 };

/** Sends one-time links by SMTP. A failure's message never quotes the SMTP URL (it may carry a password). */
export function createAccountMailer(settings: AccountMailSettings): AccountMailer {
  const transport = settings.smtpUrl ? nodemailer.createTransport({ url: settings.smtpUrl, ...SMTP_TIMEOUTS }) : undefined;
  return async (message) => {
    if (!transport) throw new Error('SMTP_URL is not set: account emails cannot be sent');
    const { subject, text, html } = accountEmail(message, settings.appUrl);
    try {
      await transport.sendMail({ from: settings.from, to: { name: message.to.name, address: message.to.email }, subject, text, html });
    } catch (err) {
      const code = err && typeof err === 'object' && 'code' in err ? String(err.code) : 'error';
      const status = err && typeof err === 'object' && 'responseCode' in err ? ` ${String(err.responseCode)}` : '';
      throw new Error(`the SMTP server did not take the email (${code}${status})`);
    }
  };
}
