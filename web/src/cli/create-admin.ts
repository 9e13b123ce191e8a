// `npm run admin:create -- --email <email> --name <name> [--plan ENTERPRISE]`: an admin without a password,
// and a one-time link (printed, never stored) to set it. Reads DATABASE_URL and CHIPGATE_APP_URL.
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { createDb } from '@chipgate/db';
import { accountLinkPath } from '@chipgate/workflows/rules/account-tokens';
import { AppError } from '../server/errors';
import { createAdminAccount } from '../server/services/customer-accounts';

const USAGE = 'usage: npm run admin:create -- --email admin@example.com --name "Ada Admin" [--plan ENTERPRISE]';

const ZArgs = z.object({
  email: z.email({ error: 'give --email, a valid email address' }),
  name: z.string({ error: 'give --name' }).trim().min(1, { error: 'give --name' }).max(120),
  plan: z.enum(['FREE', 'BUSINESS', 'ENTERPRISE'], { error: '--plan is FREE, BUSINESS or ENTERPRISE' }).default('ENTERPRISE'),
});

const ZEnv = z.object({
  DATABASE_URL: z.string({ error: 'DATABASE_URL is not set' }).regex(/^postgres(ql)?:\/\//, { error: 'DATABASE_URL must be a postgresql:// URL' }),
  CHIPGATE_APP_URL: z.url({ protocol: /^https?$/, error: 'CHIPGATE_APP_URL must be the web app\'s public http(s) URL: the link is printed with it' }),
});

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { email: { type: 'string' }, name: { type: 'string' }, plan: { type: 'string' } }, strict: true });
  const args = ZArgs.safeParse(values);
  const env = ZEnv.safeParse(process.env);
  const problems = [...(args.error?.issues ?? []), ...(env.error?.issues ?? [])].map((issue) => issue.message);
  if (!args.success || !env.success) {
    console.error(`admin:create: ${problems.join('; ')}\n${USAGE}`);
    return 2;
  }
  const db = createDb(env.data.DATABASE_URL);
  try {
    const admin = await createAdminAccount(db, { name: args.data.name, email: args.data.email, planCode: args.data.plan });
    const link = `${env.data.CHIPGATE_APP_URL.replace(/\/+$/, '')}${accountLinkPath('INVITATION', admin.link.token)}`;
    console.log(`Admin ${admin.email} created. Open this link to set the password (once, until ${admin.link.expiresAt.toISOString()}):\n${link}`);
    return 0;
  } catch (err) {
    if (err instanceof AppError) {
      console.error(`admin:create: ${err.message}`);
      return 1;
    }
    throw err;
  } finally {
    await db.$disconnect();
  }
}

process.exitCode = await main();
