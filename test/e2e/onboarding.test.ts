// Onboarding end to end in Chromium, against the real product: `npm run admin:create` prints the first
// admin's one-time link; the admin sets a password through it, signs in and creates a customer; the
// invitation goes by SMTP to the mail stand-in; the customer opens the link from that email, sets a
// password, signs in and adds a chip, which shows a QR that the WhatsApp stand-in's phone scans until
// the chip is connected. Then the customer forgets the password and resets it from an emailed link.
// Screenshots land in $CHIPGATE_TEST_ARTIFACTS/screenshots/onboarding-*.png.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { chipWorkflowId } from '@chipgate/workflows/chip/contract';
import { startMailStandIn, type MailStandIn } from '../standins/mail';
import { startWhatsAppStandIn, type WhatsAppStandIn } from '../standins/whatsapp';
import { repoRoot } from '../stack/paths';
import { freePort } from '../stack/ports';
import { decodeQr, eventually, hydrated, launchChromium, NEXT_MODE, newBrowserContext, runEveryStep, scenarioOf, screenshot, shotsDir, signInThroughForm, STEP_TIMEOUT_MS, textOf } from '../support/browser';
import { startChipWorld, type ChipWorld } from '../support/chip-world';
import { testEnv } from '../support/environment';
import { startWebApp, type WebApp } from '../support/next-app';

const run = randomBytes(3).toString('hex');
const ADMIN = { email: `first-admin-${run}@e2e.chipgate.test`, name: 'Ada Admin', password: `admin-${randomBytes(9).toString('base64url')}` };
const CUSTOMER = { email: `customer-${run}@e2e.chipgate.test`, name: 'Carla Cliente', password: `carla-${randomBytes(9).toString('base64url')}` };
const PHONE_NUMBER = '5511987650002';

/** `npm run admin:create -- …` as an operator runs it: its exit code and what it printed. */
function createAdminCommand(env: NodeJS.ProcessEnv, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(path.join(repoRoot, 'node_modules', '.bin', 'tsx'), [path.join(repoRoot, 'web', 'src', 'cli', 'create-admin.ts'), ...args], { cwd: repoRoot, env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
}

describe('onboarding end to end in Chromium', { timeout: 20 * 60_000 }, () => {
  let world: ChipWorld | undefined;
  let mail: MailStandIn | undefined;
  let whatsapp: WhatsAppStandIn | undefined;
  let web: WebApp | undefined;
  let browser: Browser | undefined;
  let adminContext: BrowserContext;
  let customerContext: BrowserContext;
  let appUrl: string;
  let chipId: string | undefined;
  const pageErrors: string[] = [];

  before(async () => {
    fs.mkdirSync(shotsDir, { recursive: true });
    const webPort = await freePort();
    appUrl = `http://127.0.0.1:${webPort}`;
    whatsapp = await startWhatsAppStandIn();
    mail = await startMailStandIn({ username: 'chipgate', password: randomBytes(8).toString('hex') });
    world = await startChipWorld({ whatsapp });
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DATABASE_URL: world.databaseUrl,
      TEMPORAL_ADDRESS: testEnv.temporalAddress,
      CHIPGATE_SECRET_KEY: process.env.CHIPGATE_SECRET_KEY,
      CHIPGATE_TASK_QUEUE: world.taskQueue,
      CHIPGATE_METER_INTERVAL_SECONDS: '5',
      STRIPE_WEBHOOK_SECRET: `whsec_${randomBytes(12).toString('hex')}`,
      CHIPGATE_APP_URL: appUrl,
      SMTP_URL: mail.smtpUrl,
    };
    delete env.NODE_ENV;
    delete env.NODE_TEST_CONTEXT;
    web = await startWebApp({ mode: NEXT_MODE, port: webPort, env, artifacts: testEnv.artifactsDir });
    browser = await launchChromium();
    adminContext = await newBrowserContext(browser, pageErrors);
    customerContext = await newBrowserContext(browser, pageErrors);
  });

  after(async () => {
    await runEveryStep([
      browser && (() => browser!.close()),
      web?.stop,
      world && chipId ? () => world!.temporal.workflow.getHandle(chipWorkflowId(chipId!)).terminate('end-to-end test cleanup') : undefined,
      world?.close,
      mail?.close,
      whatsapp?.close,
    ]);
    assert.deepEqual(pageErrors, [], 'no page threw');
  });

  /** Runs a scenario; when it fails, every open page is photographed and next's last words are attached. */
  const scenario = (name: string, work: () => Promise<void>) => scenarioOf(`onboarding-${name}`, [['admin', adminContext], ['customer', customerContext]], web, work);

  /** Opens a one-time link, sets `password` twice in its form, and lands on sign-in told the password is set. */
  async function setPasswordThroughLink(context: BrowserContext, link: string, password: string, shot: string): Promise<Page> {
    const page = await context.newPage();
    await page.goto(link);
    const form = await hydrated(page.getByRole('form', { name: 'Set your password' }));
    await screenshot(page, shot);
    await form.getByLabel('New password').fill(password);
    await form.getByLabel('Repeat the password').fill(password);
    await form.getByRole('button', { name: 'Set password' }).click();
    await page.waitForURL((url) => url.pathname === '/sign-in');
    await page.getByText('Your password is set.').waitFor();
    // The link worked once: opened again, it says so and offers no form.
    await page.goto(link);
    await page.getByText('This link is not valid any more', { exact: false }).waitFor();
    assert.equal(await page.getByRole('form', { name: 'Set your password' }).count(), 0);
    return page;
  }

  const linkIn = (message: { links: string[] }, pathname: string) => {
    const link = message.links.find((l) => l.startsWith(`${appUrl}${pathname}`));
    assert.ok(link, `the email has a ${pathname} link to the app: ${message.links.join(', ')}`);
    return link;
  };

  it('the admin command prints a one-time link, refuses the same email again, and the link sets the admin password', { timeout: STEP_TIMEOUT_MS }, () =>
    scenario('first-admin', async () => {
      const env = { ...process.env, DATABASE_URL: world!.databaseUrl, CHIPGATE_APP_URL: appUrl };
      const created = await createAdminCommand(env, ['--email', ADMIN.email, '--name', ADMIN.name]);
      assert.equal(created.code, 0, created.stderr);
      const link = /(http:\/\/\S+\/invitation\/\S+)/.exec(created.stdout)?.[1] ?? '';
      assert.ok(link.startsWith(`${appUrl}/invitation/`), created.stdout);
      const again = await createAdminCommand(env, ['--email', ADMIN.email.toUpperCase(), '--name', 'Someone Else']);
      assert.equal(again.code, 1);
      assert.match(again.stderr, /already exists; nothing was changed/);
      assert.equal(await world!.db.user.count({ where: { email: ADMIN.email } }), 1);

      const page = await setPasswordThroughLink(adminContext, link, ADMIN.password, 'onboarding-admin-set-password');
      await page.close();
      await signInThroughForm(appUrl, adminContext, ADMIN, '/admin/providers');
    }),
  );

  it('the admin creates a customer; the invitation email’s link sets their password; they sign in and add a chip that connects', { timeout: STEP_TIMEOUT_MS }, () =>
    scenario('invite-customer', async () => {
      const page = adminContext.pages().at(-1)!;
      await (await hydrated(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Customers', exact: true }))).click();
      await page.waitForURL((url) => url.pathname === '/admin/customers');
      const form = await hydrated(page.getByRole('form', { name: 'New customer' }));
      await form.getByLabel('Name').fill(CUSTOMER.name);
      await form.getByLabel('Email').fill(CUSTOMER.email);
      await form.getByLabel('Plan').selectOption({ label: 'Free' });
      await form.getByRole('button', { name: 'Create and invite' }).click();
      await page.getByText('Invitation sent.').waitFor();
      const row = page.getByTestId(`customer-${CUSTOMER.email}`);
      await row.waitFor();
      assert.equal(await textOf(row.getByTestId('account-status')), 'Invited');
      await screenshot(page, 'onboarding-admin-customers');

      const invitation = await mail!.waitFor(CUSTOMER.email, /Your Chipgate account/, 60_000);
      assert.match(invitation.text, new RegExp(`Hello ${CUSTOMER.name}`));
      const link = linkIn(invitation, '/invitation/');
      await (await setPasswordThroughLink(customerContext, link, CUSTOMER.password, 'onboarding-customer-set-password')).close();
      const chips = await signInThroughForm(appUrl, customerContext, CUSTOMER, '/chips');

      const add = await hydrated(chips.getByRole('form', { name: 'Add a chip' }));
      await add.getByLabel('Label').fill('First line');
      await add.getByRole('button', { name: 'Add chip' }).click();
      const card = chips.getByRole('listitem', { name: 'Chip First line' });
      await card.waitFor();
      chipId = (await card.getAttribute('data-testid'))!.replace(/^chip-/, '');
      const qr = await eventually('the new chip to draw a QR that decodes', () => decodeQr(card.getByTestId('qr-code')));
      await screenshot(chips, 'onboarding-customer-chip-qr');
      await whatsapp!.phone(PHONE_NUMBER).scan(qr);
      await eventually('the chip to show connected', async () => ((await card.locator('[data-status]').getAttribute('data-status')) === 'OPEN' ? true : undefined));
      assert.equal((await world!.db.chip.findUniqueOrThrow({ where: { id: chipId } })).phoneNumber, PHONE_NUMBER);

      // The admin's Audit page names who created and invited the customer.
      await page.goto(`${appUrl}/admin/audit`);
      const trail = page.getByRole('region', { name: 'Customer account changes' });
      await trail.getByText('customer.invited').waitFor();
      const text = await textOf(trail);
      assert.ok(text.includes('customer.created') && text.includes(ADMIN.email) && text.includes(CUSTOMER.email), text);
      await screenshot(page, 'onboarding-admin-audit');
    }),
  );

  it('a customer who forgot the password resets it from the emailed link and signs in with the new one', { timeout: STEP_TIMEOUT_MS }, () =>
    scenario('forgot-password', async () => {
      const context = await newBrowserContext(browser!, pageErrors);
      const page = await context.newPage();
      await page.goto(`${appUrl}/sign-in`);
      await (await hydrated(page.getByRole('link', { name: 'Forgot your password?' }))).click();
      const form = await hydrated(page.getByRole('form', { name: 'Forgot password' }));
      await form.getByLabel('Email').fill(CUSTOMER.email);
      await form.getByRole('button', { name: 'Send me a link' }).click();
      await page.getByText(`If an account exists for ${CUSTOMER.email}`).waitFor();
      const reset = await mail!.waitFor(CUSTOMER.email, /Reset your Chipgate password/, 60_000);
      const newPassword = `new-${randomBytes(9).toString('base64url')}`;
      await (await setPasswordThroughLink(context, linkIn(reset, '/reset-password/'), newPassword, 'onboarding-reset-password')).close();
      // The reset ended the sessions the customer had: the earlier browser is signed out.
      const earlier = customerContext.pages().at(-1)!;
      await earlier.reload();
      await earlier.waitForURL((url) => url.pathname === '/sign-in');
      await signInThroughForm(appUrl, context, { email: CUSTOMER.email, password: newPassword }, '/chips');
      await context.close();
    }),
  );
});
