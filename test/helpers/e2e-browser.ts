/**
 * End-to-end tests in a real browser: the page built into a temporary directory, the real service
 * listening on 127.0.0.1 over a temporary store with the demo network, and Debian's Chromium driven
 * by playwright-core. A missing Chromium fails the test with what to do, never skips it.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { buildWeb } from '../../web/build.js';
import { loadDemo } from '../../src/http/demo.js';
import { ADMIN_TOKEN, testApp, type TestApp, type TestAppOptions } from './http-app.js';

export const CHROMIUM = process.env.LER_CHROMIUM ?? '/usr/bin/chromium';
export const SCREENSHOTS = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'test-output', 'e2e');

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export interface Service {
  url: string;
  t: TestApp;
  /** Makes a key through the API (as the admin) and returns its token. */
  key: TestApp['key'];
  close: () => Promise<void>;
}

/** Builds the page and starts the service with the demo network loaded, listening on a free port. */
export async function startService(name: string, opts: TestAppOptions = {}): Promise<Service> {
  const dir = mkdtempSync(join(tmpdir(), `ler-e2e-${name}-`));
  const webDir = join(dir, 'web');
  await buildWeb(webDir);
  const t = await testApp(join(dir, 'data'), { prepare: (engine, store) => loadDemo(engine, store), ...opts, config: { webDir, ...opts.config } });
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  const address = t.app.server.address();
  if (address === null || typeof address === 'string') throw new Error('The service did not listen on a TCP port.');
  return {
    url: `http://127.0.0.1:${address.port}`,
    t,
    key: t.key,
    close: async () => {
      await t.close();
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

export interface Session {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** Requests the page made to anywhere but the service (there must be none). */
  foreign: string[];
  /** Errors the page's scripts threw. */
  errors: string[];
}

/**
 * A file's setup run once: its error is kept and thrown by `check()` in every test that needs it,
 * so a missing browser fails each test with what to do instead of leaving them skipped.
 */
export function setupOnce(make: () => Promise<void>): { run: () => Promise<void>; check: () => void } {
  let error: unknown = null;
  return {
    run: async () => {
      try {
        await make();
      } catch (e) {
        error = e;
      }
    },
    check: () => {
      if (error !== null) throw error;
    }
  };
}

/** Launches Chromium with a fresh profile and opens one page; fails with what to do when Chromium is missing. */
export async function openBrowser(serviceUrl: string): Promise<Session> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is missing at ${CHROMIUM}: the end-to-end tests need it. Install it with .ci/install-chromium (apt-get install chromium), or set LER_CHROMIUM to a Chromium binary.`);
  }
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, timeout: 30_000 });
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true, locale: 'en-GB' });
  const page = await context.newPage();
  const foreign: string[] = [];
  const errors: string[] = [];
  page.on('request', (r) => {
    const u = r.url();
    if (!u.startsWith(serviceUrl) && !u.startsWith('data:') && !u.startsWith('blob:')) foreign.push(u);
  });
  page.on('pageerror', (e) => errors.push(e.message));
  page.setDefaultTimeout(15_000);
  return { browser, context, page, foreign, errors };
}

/** What the page's globals offer the functions below (the tests are compiled without the DOM's types). */
interface PageGlobals {
  document: { querySelector: (selector: string) => unknown };
  requestAnimationFrame: (f: () => void) => void;
}

/** Saves a screenshot of the page under test-output/e2e/. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  // After the map's zoom and pan animations, so the picture shows where things settle.
  // The functions run in the page (serialised): they name the page's globals themselves.
  await page.waitForFunction(() => (globalThis as unknown as PageGlobals).document.querySelector('.leaflet-zoom-anim, .leaflet-pan-anim') === null);
  await page.evaluate(() => new Promise<void>((resolve) => (globalThis as unknown as PageGlobals).requestAnimationFrame(() => (globalThis as unknown as PageGlobals).requestAnimationFrame(resolve))));
  const file = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: false });
  return file;
}

/** Signs in through the page's form and waits for the signed-in line. */
export async function signIn(page: Page, token: string): Promise<void> {
  await page.fill('#token', token);
  await page.click('#signin button[type=submit]');
  await page.waitForSelector('#who:not([hidden])');
}

/** A browser on the service's page, loaded and signed in with `token`. */
export async function openSignedIn(service: Service, token: string): Promise<Session> {
  const session = await openBrowser(service.url);
  await session.page.goto(service.url);
  await session.page.waitForSelector('body[data-ready="true"]');
  await signIn(session.page, token);
  return session;
}

/** Web Mercator world pixel of a lon/lat at a zoom (256-pixel tiles), as Leaflet places it. */
export function worldPixel(lon: number, lat: number, zoom: number): [number, number] {
  const scale = 256 * 2 ** zoom;
  const s = Math.sin((lat * Math.PI) / 180);
  return [((lon + 180) / 360) * scale, (0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI)) * scale];
}

export { ADMIN_TOKEN };
