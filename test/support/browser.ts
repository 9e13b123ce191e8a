// Chromium (Debian's, driven by playwright-core) for the end-to-end tests: launch flags, waits that
// tolerate a slow shared machine, screenshots, QR decoding, and signing in through the sign-in form.
import assert from 'node:assert/strict';
import path from 'node:path';
import jsQR from 'jsqr';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { testEnv } from './environment';

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'];
/** `dev` (default: each page compiles on its first visit) or `start` (`next build` first, then `next start`). */
export const NEXT_MODE = process.env.CHIPGATE_E2E_NEXT === 'start' ? 'start' : 'dev';
/** Generous: pages compile on first visit in dev mode, on 2 cores, maybe beside other test runs. */
export const UI_TIMEOUT_MS = 90_000;
export const STEP_TIMEOUT_MS = 5 * 60_000;

export const shotsDir = path.join(testEnv.artifactsDir, 'screenshots');

/** Polls `check` until it returns a value (not undefined), or fails saying what it waited for. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = UI_TIMEOUT_MS, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${lastError ? ` (last error: ${String(lastError)})` : ''}`);
}

/** Waits until React has hydrated the element (it carries React's props), so typing and clicks reach React. */
export async function hydrated(locator: Locator): Promise<Locator> {
  await locator.waitFor({ state: 'visible' });
  await eventually(`React to hydrate ${locator.toString()}`, async () =>
    (await locator.evaluate((element) => Object.keys(element).some((key) => key.startsWith('__reactProps$')))) ? true : undefined,
  );
  return locator;
}

/** Whitespace as a reader sees it (Intl puts a no-break space after "R$"). */
export const normalized = (text: string | null) => (text ?? '').replace(/\s+/g, ' ').trim();

export async function textOf(locator: Locator): Promise<string> {
  return normalized(await locator.textContent());
}

/** A full-page PNG in screenshots/. Next's dev-mode badge is hidden, except when a scenario failed (its overlay tells why). */
export async function screenshot(page: Page, name: string, { failed = false } = {}): Promise<void> {
  await page.screenshot({ path: path.join(shotsDir, `${name}.png`), fullPage: true, style: failed ? undefined : 'nextjs-portal { display: none !important; }' });
}

/** Reads a canvas's pixels in the page and decodes them as a QR code; undefined until it decodes. */
export async function decodeQr(canvas: Locator): Promise<string | undefined> {
  if ((await canvas.count()) === 0) return undefined;
  // The test's tsconfig has no DOM types: the canvas is described by the little this reads of it.
  type Canvas = { width: number; height: number; getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } } | null };
  const image = await canvas.evaluate((element) => {
    const c = element as unknown as Canvas;
    const pixels = c.getContext('2d')?.getImageData(0, 0, c.width, c.height).data;
    return { width: c.width, height: c.height, pixels: pixels ? Array.from(pixels) : [] };
  });
  if (image.pixels.length === 0) return undefined;
  return jsQR(new Uint8ClampedArray(image.pixels), image.width, image.height)?.data || undefined;
}

/** Chromium, with the flags these machines need. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

/** A fresh browser profile with generous timeouts; uncaught page errors are pushed to `pageErrors`. */
export async function newBrowserContext(browser: Browser, pageErrors: string[]): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB' });
  context.setDefaultTimeout(UI_TIMEOUT_MS);
  context.setDefaultNavigationTimeout(UI_TIMEOUT_MS);
  context.on('page', (page) => page.on('pageerror', (err) => pageErrors.push(`${page.url()}: ${err.message}`)));
  return context;
}

/** Signs in through the form at `baseUrl`/sign-in and waits for `landing`, where the header names the account. */
export async function signInThroughForm(baseUrl: string, context: BrowserContext, who: { email: string; password: string }, landing: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${baseUrl}/sign-in`);
  const form = await hydrated(page.getByRole('form', { name: 'Sign in' }));
  await form.getByLabel('Email').fill(who.email);
  await form.getByLabel('Password').fill(who.password);
  await form.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => url.pathname === landing);
  assert.equal(await textOf(page.getByTestId('signed-in-as')), who.email);
  return page;
}

/** Runs every teardown step even when an earlier one fails, then throws the first failure. */
export async function runEveryStep(steps: ReadonlyArray<(() => Promise<unknown>) | undefined | false>): Promise<void> {
  const failures: unknown[] = [];
  for (const step of steps) {
    try {
      if (step) await step();
    } catch (err) {
      failures.push(err);
    }
  }
  if (failures.length > 0) throw failures[0];
}

/**
 * Runs a scenario; when it fails, every open page of `contexts` is photographed (`failed-<name>-<role>-<tab>`)
 * and next's last lines are attached to the error.
 */
export async function scenarioOf(
  name: string,
  contexts: ReadonlyArray<readonly [string, BrowserContext | undefined]>,
  web: { logTail(): string } | undefined,
  work: () => Promise<void>,
): Promise<void> {
  try {
    await work();
  } catch (err) {
    for (const [role, context] of contexts) {
      for (const [tab, page] of (context?.pages() ?? []).entries()) {
        await screenshot(page, `failed-${name}-${role}-${tab + 1}`, { failed: true }).catch(() => {});
      }
    }
    if (err instanceof Error && web) err.message += `\n--- next ${NEXT_MODE} (last lines) ---\n${web.logTail()}`;
    throw err;
  }
}
