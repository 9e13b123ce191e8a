import { createAccountMailer, type AccountMailer } from '@chipgate/activities/auth/account-mail';
import { webEnv } from './env';

let mailer: AccountMailer | undefined;

/** The process's one mailer of one-time links, from SMTP_URL, ACCOUNT_EMAIL_FROM and CHIPGATE_APP_URL. */
export function accountMailer(): AccountMailer {
  const env = webEnv();
  mailer ??= createAccountMailer({ smtpUrl: env.SMTP_URL, from: env.ACCOUNT_EMAIL_FROM, appUrl: env.CHIPGATE_APP_URL ?? 'http://127.0.0.1:3000' });
  return mailer;
}
