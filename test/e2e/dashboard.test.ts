// End to end, in Debian's Chromium driven by playwright-core, against the real product: the Next.js
// web app (its own `next dev`, or `next build` + `next start`) on a scratch database, a real worker on
// its own task queue, the Temporal server of the run, the Smartproxy stand-in as the provider and the
// Stripe stand-in as the payment provider. An admin adds the provider and a proxy through the UI and
// tests the connection; a user adds a chip and watches it connect, pushes more than the FREE plan's
// allowance through it and watches it pause, sees the usage equal proxy_usage_logs, buys a top-up on
// the checkout page, watches the chip resume, and removes it. Screenshots of the main pages land in
// $CHIPGATE_TEST_ARTIFACTS/screenshots/, next's output in $CHIPGATE_TEST_ARTIFACTS/next-<mode>.log.
// CHIPGATE_E2E_NEXT=start runs a production build instead of `next dev`.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { hashPassword } from '@chipgate/activities';
import { chipWorkflowId } from '@chipgate/workflows/chip/contract';
import { gbToBytes } from '@chipgate/workflows/rules/bytes';
import { formatBytes, formatMoneyList } from '../../web/src/lib/format';
import { startStripeStandIn, type StripeStandIn } from '../standins/payments/stripe-standin';
import { startWhatsAppStandIn, type WhatsAppStandIn } from '../standins/whatsapp';
import { freePort } from '../stack/ports';
import { startChipWorld, type ChipWorldWithoutProvider } from '../support/chip-world';
import { rawQuery } from '../support/database';
import { testEnv } from '../support/environment';
import { CHROMIUM, decodeQr, eventually, hydrated, launchChromium, NEXT_MODE, newBrowserContext, normalized, runEveryStep, scenarioOf, screenshot, shotsDir, signInThroughForm, STEP_TIMEOUT_MS, textOf } from '../support/browser';
import { startWebApp, type WebApp } from '../support/next-app';

const run = randomBytes(3).toString('hex');
const ADMIN = { email: `admin-${run}@e2e.chipgate.test`, password: `admin-${randomBytes(9).toString('base64url')}`, name: 'Ada Admin' };
const USER = { email: `user-${run}@e2e.chipgate.test`, password: `user-${randomBytes(9).toString('base64url')}`, name: 'Ulisses User' };
const PROVIDER_NAME = 'Smartproxy BR (e2e stand-in)';
const PACK = { name: '1 GB', sizeGb: '1', price: '19.90' };
const CHIP_LABEL = 'Support line';
/** The number of the stand-in phone that scans the chip's QR. */
const PHONE_NUMBER = '5511987650001';
/** The chip's traffic comes in requests of at most this size (the stand-in's echo serves up to 50 MiB). */
const CHUNK_BYTES = 50 * 1024 * 1024;
const MIB = 1024n * 1024n;

const RECORD_CHIP_STATUSES = `(() => {
  const seen = (window.__chipgateE2eStatuses = []);
  const record = () => {
    for (const badge of document.querySelectorAll('.chip-list [data-status]')) {
      const status = badge.getAttribute('data-status');
      if (seen[seen.length - 1] !== status) seen.push(status);
    }
  };
  new MutationObserver(record).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-status'] });
})()`;

// ---------------------------------------------------------------------------------------------------

describe('dashboard end to end in Chromium', { timeout: 20 * 60_000 }, () => {
  let world: ChipWorldWithoutProvider | undefined;
  let stripe: StripeStandIn | undefined;
  let whatsapp: WhatsAppStandIn | undefined;
  let web: WebApp | undefined;
  let browser: Browser | undefined;
  let adminContext: BrowserContext | undefined;
  let userContext: BrowserContext | undefined;
  let adminPage: Page;
  let userPage: Page;
  let userId: string;
  let chipId: string | undefined;
  /** Uncaught errors in any page: a page that throws is broken even if the assertions pass. */
  const pageErrors: string[] = [];
  /** Every tRPC response body the admin's browser received, searched for the provider's secrets. */
  const adminResponses: Promise<string>[] = [];

  before(async () => {
    fs.mkdirSync(shotsDir, { recursive: true });
    assert.ok(fs.existsSync(CHROMIUM), `${CHROMIUM} is missing: install Debian's chromium package (npm test does it when it can)`);
    const webPort = await freePort();
    const appUrl = `http://127.0.0.1:${webPort}`;
    const stripeKeys = { secretKey: `sk_test_${randomBytes(18).toString('hex')}`, webhookSecret: `whsec_${randomBytes(18).toString('hex')}` };
    stripe = await startStripeStandIn({ ...stripeKeys, webhookUrl: `${appUrl}/api/payments/webhook` });
    whatsapp = await startWhatsAppStandIn();
    world = await startChipWorld({
      seedProvider: false,
      whatsapp,
      workerEnv: { STRIPE_SECRET_KEY: stripeKeys.secretKey, STRIPE_API_BASE: stripe.apiBase, CHIPGATE_APP_URL: appUrl },
    });
    const { db } = world;

    const plans = new Map((await db.plan.findMany()).map((plan) => [plan.code, plan.id]));
    await db.user.create({ data: { email: ADMIN.email, name: ADMIN.name, role: 'ADMIN', planId: plans.get('ENTERPRISE')!, passwordHash: await hashPassword(ADMIN.password) } });
    userId = (await db.user.create({ data: { email: USER.email, name: USER.name, role: 'USER', planId: plans.get('FREE')!, passwordHash: await hashPassword(USER.password) } })).id;
    await db.topUpPack.createMany({ data: [PACK, { name: '5 GB', sizeGb: '5', price: '79.90' }] });

    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DATABASE_URL: world.databaseUrl,
      TEMPORAL_ADDRESS: testEnv.temporalAddress,
      TEMPORAL_UI_URL: 'http://127.0.0.1:8233',
      CHIPGATE_SECRET_KEY: process.env.CHIPGATE_SECRET_KEY,
      CHIPGATE_TASK_QUEUE: world.taskQueue,
      CHIPGATE_METER_INTERVAL_SECONDS: '1',
      STRIPE_WEBHOOK_SECRET: stripeKeys.webhookSecret,
    };
    // Next sets its own NODE_ENV; the test runner's context variable belongs to this process only.
    delete env.NODE_ENV;
    delete env.NODE_TEST_CONTEXT;
    delete env.STRIPE_SECRET_KEY;
    web = await startWebApp({ mode: NEXT_MODE, port: webPort, env, artifacts: testEnv.artifactsDir });

    browser = await launchChromium();
    adminContext = await newBrowserContext(browser, pageErrors);
    userContext = await newBrowserContext(browser, pageErrors);
  });

  after(() =>
    // Every step runs even when an earlier one fails; the first failure is reported.
    runEveryStep([
      browser && (() => browser!.close()),
      web?.stop,
      // A chip the scenarios did not get to remove: its workflow must not outlive the run's worker.
      world && chipId
        ? async () => {
            const handle = world!.temporal.workflow.getHandle(chipWorkflowId(chipId!));
            if ((await handle.describe()).status.name === 'RUNNING') await handle.terminate('end-to-end test cleanup');
          }
        : undefined,
      world?.close,
      stripe?.close,
      whatsapp?.close,
    ]),
  );

  /** Runs a scenario; when it fails, the pages are photographed and next's last words are attached. */
  const scenario = (name: string, work: () => Promise<void>) => scenarioOf(name, [['admin', adminContext], ['user', userContext]], web, work);

  const signIn = (context: BrowserContext, who: { email: string; password: string }, landing: string) => signInThroughForm(web!.url, context, who, landing);

  async function goTo(page: Page, linkName: string, pathname: string): Promise<void> {
    await (await hydrated(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: linkName, exact: true }))).click();
    await page.waitForURL((url) => url.pathname === pathname);
  }

  /** The status the chip card's badge shows. */
  const badgeOf = (card: Locator) => card.locator('[data-status]').getAttribute('data-status');

  /** The statuses the user's chips page has shown since it started recording; fails if it was reloaded since. */
  async function shownStatuses(page: Page): Promise<string[]> {
    const record = (await page.evaluate('window.__chipgateE2eStatuses')) as string[] | undefined;
    assert.ok(record, 'the chips page was reloaded: its status record is gone');
    return record;
  }

  /** The user's allowance this month: the FREE plan plus top-ups, from the database. */
  async function allowanceBytes(): Promise<bigint> {
    const plan = await world!.db.plan.findUniqueOrThrow({ where: { code: 'FREE' } });
    const credits = await world!.db.topUpCredit.findMany({ where: { userId } });
    return credits.reduce((sum, credit) => sum + credit.bytes, gbToBytes(plan.proxyGbLimit.toFixed()));
  }

  /** Sums in proxy_usage_logs, read straight from PostgreSQL. */
  async function usageInDb(where: { userId: string } | { chipId: string }) {
    const [column, id] = 'userId' in where ? ['user_id', where.userId] : ['chip_id', where.chipId];
    const rows = await rawQuery<{ currency: string; bytes: string; cost: string }>(
      world!.databaseUrl,
      `SELECT currency, sum(bytes_total)::text AS bytes, sum(cost)::text AS cost FROM proxy_usage_logs WHERE ${column} = $1 GROUP BY currency ORDER BY currency`,
      [id],
    );
    return {
      bytes: rows.reduce((sum, row) => sum + BigInt(row.bytes), 0n),
      costs: rows.map((row) => ({ amount: row.cost, currency: row.currency.trim() })),
    };
  }

  it('admin adds a provider against the stand-in, tests it, and adds a rotating proxy', { timeout: STEP_TIMEOUT_MS }, () =>
    scenario('admin-provider', async () => {
      const account = world!.provider;
      const secrets = [account.password, account.apiKey];
      adminPage = await signIn(adminContext!, ADMIN, '/admin/providers');
      const page = adminPage;
      page.on('response', (response) => {
        if (response.url().includes('/api/trpc/')) adminResponses.push(response.text().catch(() => ''));
      });
      await page.getByText('No providers yet.').waitFor();

      await (await hydrated(page.getByRole('button', { name: 'New provider' }))).click();
      const form = page.getByRole('form', { name: 'New provider' });
      await form.getByLabel('Name', { exact: true }).fill(PROVIDER_NAME);
      await form.getByLabel('Server', { exact: true }).fill(account.standIn.proxyHost);
      await form.getByLabel('Port', { exact: true }).fill('70000');
      await form.getByLabel('Username', { exact: true }).fill(account.username);
      await form.getByLabel('Password', { exact: true }).fill(account.password);
      await form.getByLabel('API key (optional)').fill(account.apiKey);
      await form.getByLabel('API base URL (optional)').fill(account.standIn.apiBaseUrl);
      await form.getByLabel('Cost per GB').fill('4.50');

      // A port out of range: the Port field says so, and nothing is created.
      await form.getByRole('button', { name: 'Create provider' }).click();
      const portError = form.locator('[data-field-error="port"]');
      await portError.waitFor();
      assert.match(await textOf(portError), /\S/, 'the Port field explains what is wrong');
      const portInput = form.getByLabel('Port', { exact: true });
      assert.equal(await portInput.getAttribute('aria-invalid'), 'true');
      assert.ok((await portInput.getAttribute('aria-describedby'))?.includes((await portError.getAttribute('id'))!), 'the error is tied to the Port input');
      assert.equal(await form.locator('[data-field-error]').count(), 1, 'only the Port field is flagged');
      assert.equal(await world!.db.proxyProvider.count(), 0);
      await screenshot(page, 'admin-provider-form-error');

      await portInput.fill(String(account.standIn.proxyPort));
      await form.getByRole('button', { name: 'Create provider' }).click();
      await form.waitFor({ state: 'detached' });
      const provider = await world!.db.proxyProvider.findUniqueOrThrow({ where: { name: PROVIDER_NAME } });
      const row = page.getByTestId(`provider-${provider.id}`);
      await row.waitFor();
      assert.match(await textOf(row), new RegExp(`http://${account.standIn.proxyHost.replaceAll('.', '\\.')}:${account.standIn.proxyPort}`));
      assert.ok((await textOf(row)).includes(account.username));
      assert.equal(await row.getByText('••••••').count(), 2, 'password and API key are shown masked');

      // Test connection through a worker: an exit address of the stand-in and a latency.
      const testButton = row.getByRole('button', { name: `Test connection of ${PROVIDER_NAME}` });
      const result = page.getByTestId('provider-test-result');
      await testButton.click();
      const connected = await textOf(result.filter({ hasText: 'connected' }));
      const [, exitIp, latency] = /Exit IP (\S+), latency (\d+) ms/.exec(connected) ?? [];
      assert.match(exitIp ?? '', /^127\.0\.1\.\d{1,3}$/, connected);
      assert.ok(Number(latency) >= 0, connected);
      assert.ok(connected.startsWith(`${PROVIDER_NAME}: connected.`), connected);
      await screenshot(page, 'admin-providers');

      // The wrong password: the test names the provider and says its credentials were refused.
      const editAndSavePassword = async (password: string) => {
        await row.getByRole('button', { name: `Edit ${PROVIDER_NAME}` }).click();
        const edit = page.getByRole('form', { name: 'Edit provider' });
        await edit.getByLabel('Password', { exact: true }).fill(password);
        await edit.getByRole('button', { name: 'Save changes' }).click();
        await edit.waitFor({ state: 'detached' });
      };
      await editAndSavePassword(`wrong-${randomBytes(6).toString('hex')}`);
      await testButton.click();
      const refused = await textOf(result.filter({ hasText: 'connection failed' }));
      assert.ok(refused.startsWith(`${PROVIDER_NAME}: connection failed (auth_refused)`), refused);
      assert.ok(refused.includes(`Provider "${PROVIDER_NAME}" refused the credentials (HTTP 407)`), refused);
      await screenshot(page, 'admin-provider-test-refused');

      await editAndSavePassword(account.password);
      await testButton.click();
      await result.filter({ hasText: 'connected' }).waitFor();

      // Secrets never come back: not in the page, not in any API response the browser received.
      const html = await page.content();
      const bodies = await Promise.all(adminResponses);
      for (const secret of secrets) {
        assert.ok(!html.includes(secret), 'a provider secret is in the page HTML');
        assert.ok(!bodies.some((body) => body.includes(secret)), 'a provider secret is in an API response');
      }

      // A rotating proxy for region br on it, so chips can be placed.
      await goTo(page, 'Proxies', '/admin/proxies');
      const proxyForm = page.getByRole('form', { name: 'New rotating proxy' });
      await proxyForm.getByRole('option', { name: PROVIDER_NAME }).waitFor({ state: 'attached' });
      await (await hydrated(proxyForm.getByLabel('Provider'))).selectOption({ label: PROVIDER_NAME });
      assert.equal(await proxyForm.getByLabel('Region').inputValue(), 'br');
      await proxyForm.getByRole('button', { name: 'Create proxy' }).click();
      await page.getByText('Proxy created.').waitFor();
      const proxy = await world!.db.proxy.findFirstOrThrow({ where: { providerId: provider.id } });
      assert.deepEqual({ region: proxy.region, kind: proxy.kind, protocol: proxy.protocol }, { region: 'br', kind: 'ROTATING', protocol: 'HTTP' });
      await page.getByTestId(`proxy-${proxy.id}`).waitFor();
      await screenshot(page, 'admin-proxies');
    }),
  );

  it('a user adds a chip, watches it connect and pause at 100% without a reload, and sees usage equal to proxy_usage_logs', { timeout: STEP_TIMEOUT_MS }, () =>
    scenario('user-chip', async () => {
      userPage = await signIn(userContext!, USER, '/chips');
      const page = userPage;
      await page.getByText('No chips yet.', { exact: false }).waitFor();
      // From before the chip exists, this page records every status its card shows. The record lives
      // in this document: while it is there, the page was never reloaded. The page stays open on
      // /chips until the top-up scenario has watched the chip resume.
      await page.evaluate(RECORD_CHIP_STATUSES);

      const form = await hydrated(page.getByRole('form', { name: 'Add a chip' }));
      await form.getByLabel('Label').fill(CHIP_LABEL);
      await form.getByRole('button', { name: 'Add chip' }).click();
      const card = page.getByRole('listitem', { name: `Chip ${CHIP_LABEL}` });
      await card.waitFor();
      chipId = (await card.getAttribute('data-testid'))!.replace(/^chip-/, '');
      const chip = chipId;

      // The card follows the chip's workflow by itself: the sticky exit IP of the stand-in appears.
      const exitIp = await eventually('the chip card to show an exit IP of the stand-in', async () => {
        const ip = await textOf(card.getByTestId('chip-exit-ip'));
        return /^127\.0\.1\.\d{1,3}$/.test(ip) ? ip : undefined;
      });
      // The QR is an image: decoded from the page's pixels, it is what the phone scans.
      const qrText = await eventually('the chip card to draw a QR that decodes', () => decodeQr(card.getByTestId('qr-code')));
      assert.match(qrText, /^https:\/\/wa\.me\/settings\/linked_devices#/);
      assert.equal(await card.getByText(qrText).count(), 0, 'the QR payload is never printed as text');
      await screenshot(page, 'user-chip-qr');
      const device = await whatsapp!.phone(PHONE_NUMBER).scan(qrText);
      await eventually('the chip card to show the chip connected', async () => ((await badgeOf(card)) === 'OPEN' ? true : undefined));
      assert.equal(await textOf(card.getByTestId('chip-phone')), `+${PHONE_NUMBER}`);
      assert.equal(device.logins, 1, 'the chip logged in once, after the 515 restart');

      const chipRow = await world!.db.chip.findUniqueOrThrow({ where: { id: chip } });
      assert.equal(chipRow.exitIp, exitIp);
      assert.equal(chipRow.ownerId, userId);
      assert.equal(chipRow.phoneNumber, PHONE_NUMBER);
      const connected = await shownStatuses(page);
      assert.ok(connected.indexOf('QR') < connected.lastIndexOf('OPEN'), `QR, then Connected, without a reload: ${connected.join(' → ')}`);
      assert.ok(!connected.includes('PAUSED'), `the new chip runs (statuses shown: ${connected.join(' → ')})`);

      // More than the FREE plan's allowance asked through the chip's own gateway credential: the
      // gateway's live budget cuts the download that crosses 100%, and the chip pauses.
      const allowance = await allowanceBytes();
      let requested = 0;
      let cut = false;
      while (!cut && BigInt(requested) <= allowance) {
        const size = Math.min(CHUNK_BYTES, Number(allowance - BigInt(requested)) + 1024 * 1024);
        const response = await world!.throughChip(chip, `/bytes/${size}`).catch(() => null);
        cut = response === null || response.status !== 200 || response.body.length !== size;
        requested += size;
      }
      assert.ok(cut, 'the gateway cut the download that crossed 100%');
      await eventually('the chip card to show the chip paused', async () => ((await badgeOf(card)) === 'PAUSED' ? true : undefined));
      // The meter bills what the gateway carried: the allowance, give or take one lease (≤ 1 MiB).
      const pushed = await eventually('the meter to bill the cut download', async () => {
        const billed = (await usageInDb({ chipId: chip })).bytes;
        return billed + MIB >= allowance ? billed : undefined;
      });
      assert.ok(pushed <= allowance + MIB, `billed ${pushed} bytes, at most one lease past the allowance of ${allowance}`);
      await eventually('the chip card to show the billed bytes', async () =>
        (await textOf(card.getByTestId('chip-bytes'))) === formatBytes((await usageInDb({ chipId: chip })).bytes) ? true : undefined,
      );
      const statuses = await shownStatuses(page);
      console.log(`chip card statuses without a reload: ${statuses.join(' → ')}; exit IP ${exitIp}`);
      assert.ok(statuses.length >= 2 && statuses.at(-1) === 'PAUSED', statuses.join(' → '));
      await screenshot(page, 'user-chips');

      // The usage page (another tab): used bytes and cost are the sums of proxy_usage_logs, formatted
      // as the page formats them; the allowance is used up and both alerts are listed.
      const usagePage = await userContext!.newPage();
      await usagePage.goto(`${web!.url}/usage`);
      const shown = await eventually('the usage page to agree with proxy_usage_logs', async () => {
        const before = await usageInDb({ userId });
        const onScreen = { used: await textOf(usagePage.getByTestId('usage-used')), cost: await textOf(usagePage.getByTestId('usage-cost')) };
        const afterRead = await usageInDb({ userId });
        if (before.bytes !== afterRead.bytes) return undefined;
        const expected = { used: formatBytes(before.bytes), cost: normalized(formatMoneyList(before.costs)) };
        return onScreen.used === expected.used && onScreen.cost === expected.cost ? { ...onScreen, bytes: before.bytes } : undefined;
      });
      assert.ok(shown.bytes >= pushed);
      assert.match(shown.used, /^\d+\.\d MB$/);
      assert.match(shown.cost, /^R\$ \d+,\d{2}$/);
      assert.equal(await textOf(usagePage.getByTestId('usage-allowance')), formatBytes(allowance));
      await usagePage.getByText('Your allowance is used up and your chips are paused.').waitFor();
      const alerts = usagePage.getByRole('table', { name: 'Quota alerts' });
      await alerts.getByText('100% used — chips paused').waitFor();
      await alerts.getByText('80% used', { exact: true }).waitFor();
      await screenshot(usagePage, 'user-usage');
      await usagePage.close();
    }),
  );

  it('the user buys a top-up through the checkout page, sees the allowance rise, and the paused chip resumes by itself', { timeout: STEP_TIMEOUT_MS }, () =>
    scenario('user-top-up', async () => {
      assert.ok(chipId, 'the chip scenario ran');
      const chip = chipId;
      const card = userPage.getByTestId(`chip-${chip}`);
      assert.equal(await badgeOf(card), 'PAUSED', 'the chip scenario left the chip paused at 100%');
      const page = await userContext!.newPage();
      await page.goto(`${web!.url}/chips`);
      await goTo(page, 'Buy GB', '/top-ups');
      const allowance = page.getByTestId('top-up-allowance');
      await allowance.waitFor();
      const before = await allowanceBytes();
      assert.equal(await textOf(allowance), formatBytes(before));

      await (await hydrated(page.getByRole('button', { name: `Buy ${PACK.name}` }))).click();
      await page.waitForURL((url) => url.href.startsWith(`${stripe!.apiBase}/checkout/`));
      const payButton = page.getByRole('button', { name: /^Pay R\$ / });
      assert.equal(await textOf(payButton), `Pay R$ ${PACK.price}`);
      await screenshot(page, 'checkout');

      await payButton.click();
      await page.waitForURL((url) => url.pathname === '/top-ups' && url.searchParams.get('checkout') === 'success');
      const orderId = new URL(page.url()).searchParams.get('order')!;
      const notice = page.locator('[data-testid="top-up-return-notice"][data-order-status="PAID"]');
      await notice.waitFor();
      assert.match(await textOf(notice), /^Payment received: 1 GB added to your allowance/);
      const expected = formatBytes(before + gbToBytes(PACK.sizeGb));
      await eventually(`the allowance to read ${expected}`, async () => ((await textOf(allowance)) === expected ? true : undefined));
      assert.equal(await textOf(page.getByTestId('top-up-credits')), formatBytes(gbToBytes(PACK.sizeGb)));

      const credits = await world!.db.topUpCredit.findMany({ where: { orderId } });
      assert.equal(credits.length, 1, 'exactly one credit for the order');
      assert.equal(credits[0]!.bytes, gbToBytes(PACK.sizeGb));
      assert.equal(credits[0]!.userId, userId);
      assert.equal((await world!.db.topUpOrder.findUniqueOrThrow({ where: { id: orderId } })).status, 'PAID');
      await screenshot(page, 'top-ups');

      // The chips page left open since the chip paused: its card leaves PAUSED by itself.
      const resumed = await eventually('the paused chip to resume', async () => {
        const status = await badgeOf(card);
        return status && status !== 'PAUSED' ? status : undefined;
      });
      const statuses = await shownStatuses(userPage);
      console.log(`chip card statuses without a reload, after the top-up: ${statuses.join(' → ')}`);
      assert.ok(statuses.lastIndexOf('PAUSED') < statuses.lastIndexOf(resumed), statuses.join(' → '));
      await screenshot(userPage, 'user-chips-resumed');
    }),
  );

  it('the admin sees the chip, the customer and the usage; no page threw', { timeout: STEP_TIMEOUT_MS }, () =>
    scenario('admin-overview', async () => {
      const page = adminPage;
      assert.ok(chipId, 'the chip scenario ran');

      // The web app's Prometheus endpoint reads the fleet from PostgreSQL: the chip, its quota pause, its proxy.
      const scraped = await fetch(`${web!.url}/api/metrics`);
      assert.equal(scraped.status, 200);
      const families = parsePrometheusTextFormat(await scraped.text());
      const value = (name: string, labels: Record<string, string> = {}) =>
        Number(families.find((f) => f.name === name)?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v))?.value ?? NaN);
      const liveChips = await world!.db.chip.groupBy({ by: ['status'], where: { deletedAt: null }, _count: { _all: true } });
      for (const row of liveChips) assert.equal(value('chipgate_chips', { status: row.status }), row._count._all, `chips ${row.status}`);
      assert.ok(value('chipgate_quota_pauses_total') >= 1, 'the chip’s quota pause is counted');
      assert.ok(value('chipgate_quota_alerts_total', { threshold: 'PERCENT_100' }) >= 1);
      const proxy = await world!.db.proxy.findFirstOrThrow({ where: { isActive: true } });
      assert.equal(value('chipgate_proxy_health_score', { proxy_id: proxy.id }), proxy.healthScore);

      await goTo(page, 'Chips', '/admin/chips');
      const chipRow = page.getByTestId(`admin-chip-${chipId}`);
      await chipRow.waitFor();
      const rowText = await textOf(chipRow);
      assert.ok(rowText.includes(USER.email), rowText);
      assert.ok(rowText.includes(`${PROVIDER_NAME} · br`), rowText);
      const workflowLink = chipRow.getByRole('link', { name: `Workflow of chip ${CHIP_LABEL} in Temporal UI` });
      assert.equal(await workflowLink.getAttribute('href'), `http://127.0.0.1:8233/namespaces/default/workflows/chip-${chipId}`);
      await eventually('the admin chip row to show the billed bytes', async () =>
        (await textOf(chipRow)).includes(formatBytes((await usageInDb({ chipId: chipId! })).bytes)) ? true : undefined,
      );
      await screenshot(page, 'admin-chips');

      await goTo(page, 'Customers', '/admin/customers');
      const customer = page.getByTestId(`customer-${USER.email}`);
      await customer.waitFor();
      const allowance = formatBytes(await allowanceBytes());
      await eventually('the customer row to show usage against the allowance with the top-up', async () =>
        (await textOf(customer)).includes(`${formatBytes((await usageInDb({ userId })).bytes)} of ${allowance}`) ? true : undefined,
      );
      await screenshot(page, 'admin-customers');

      await goTo(page, 'Usage & cost', '/admin/usage');
      const total = page.getByTestId('report-total-bytes');
      await eventually('the usage report total to equal proxy_usage_logs', async () => {
        const all = await rawQuery<{ bytes: string }>(world!.databaseUrl, 'SELECT coalesce(sum(bytes_total), 0)::text AS bytes FROM proxy_usage_logs');
        return (await textOf(total)) === formatBytes(BigInt(all[0]!.bytes)) ? true : undefined;
      });
      const alertsLog = page.getByRole('table', { name: /alert/i });
      await alertsLog.getByText('100% used — chips paused').waitFor();
      assert.ok((await textOf(alertsLog)).includes(USER.email), 'the alerts log names the customer');
      await screenshot(page, 'admin-usage');

      // The provider the admin added in the first scenario is on record, with who added it.
      await goTo(page, 'Audit', '/admin/audit');
      await page.getByRole('heading', { name: 'Payments that credited nothing' }).waitFor();
      await page.getByText('No mismatched payments.').waitFor();
      await page.getByRole('cell', { name: 'created' }).first().waitFor();
      await screenshot(page, 'admin-audit');

      assert.deepEqual(pageErrors, [], 'uncaught errors in the pages');
    }),
  );

  it('the user removes the chip: the card goes and its proxy session is released', { timeout: STEP_TIMEOUT_MS }, () =>
    scenario('user-remove-chip', async () => {
      assert.ok(chipId, 'the chip scenario ran');
      const chip = chipId;
      const page = userPage;
      const card = page.getByTestId(`chip-${chip}`);
      await card.getByRole('button', { name: `Remove chip ${CHIP_LABEL}` }).click();
      await card.getByRole('button', { name: 'Confirm removal' }).click();
      await card.waitFor({ state: 'detached' });
      await page.getByText('No chips yet.', { exact: false }).waitFor();
      await shownStatuses(page);

      assert.ok((await world!.db.chip.findUniqueOrThrow({ where: { id: chip } })).deletedAt, 'the chip is marked deleted');
      assert.equal(await world!.db.chipProxyAssignment.count({ where: { chipId: chip, releasedAt: null } }), 0, 'no live proxy assignment is left');
      const { status } = await world!.temporal.workflow.getHandle(chipWorkflowId(chip)).describe();
      assert.equal(status.name, 'COMPLETED');
      assert.deepEqual(pageErrors, [], 'uncaught errors in the pages');
    }),
  );
});
