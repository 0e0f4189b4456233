import { mkdirSync, readdirSync, rmSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { freshDatabase, startWeft, type Database, type RunningWeft } from '../helpers/weft.js';
import { sqliteBackend } from '../helpers/backends.js';

// Shared by the dashboard's browser tests: builds web/ when its build is missing or stale, starts
// a real weft over SQLite, and drives Debian's Chromium through playwright-core.

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const WEB = join(ROOT, 'web');
const DIST_INDEX = join(WEB, 'dist', 'index.html');
const LOCK = join(WEB, '.build-lock');
export const IMG_DIR = join(ROOT, 'docs', 'img');
export const CHROMIUM = process.env.WEFT_CHROMIUM ?? '/usr/bin/chromium';

function newest(path: string): number {
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  let max = s.mtimeMs;
  for (const name of readdirSync(path)) max = Math.max(max, newest(join(path, name)));
  return max;
}

function isStale(): boolean {
  if (!existsSync(DIST_INDEX)) return true;
  const built = statSync(DIST_INDEX).mtimeMs;
  return [join(WEB, 'src'), join(WEB, 'index.html'), join(WEB, 'vite.config.ts')].some((p) => newest(p) > built);
}

/**
 * Builds the dashboard with Vite's JS API unless web/dist is newer than web/src. Test files run
 * two at a time, so the build holds a lock directory; the others wait for it and find dist fresh.
 */
export async function ensureUiBuilt(): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (!isStale()) return;
    try {
      mkdirSync(LOCK);
      break;
    } catch {
      // Default 120 s: a lock older than any build is left over from a killed run.
      if (existsSync(LOCK) && Date.now() - statSync(LOCK).mtimeMs > 120_000) rmSync(LOCK, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error('timed out waiting for another test to build web/');
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  try {
    if (!isStale()) return;
    const { build } = await import('vite');
    await build({ configFile: join(WEB, 'vite.config.ts'), logLevel: 'error' });
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium (as .ci/run does), or set WEFT_CHROMIUM`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

export interface Harness {
  weft: RunningWeft;
  browser: Browser;
  page: Page;
  /** Uncaught errors of the page. */
  consoleErrors: string[];
  /** Every frame the page received on /ws/events. */
  events: PushedEvent[];
  /** Every HTTP request the page made to weft, in order, e.g. "GET /v1/workflows?status=error". */
  requests: string[];
  /** The page's requests that weft answered with a 4xx or 5xx, e.g. "404 GET /endpoints/…". */
  refusals: string[];
  /** Stops weft and starts it again on the same database and port, with `env` added (`weft` is the new one). */
  restart(env?: Record<string, string>): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A built UI, a weft on SQLite and a browser page (1280×800) with its console errors and the
 * /ws/events frames it received collected.
 */
/** A frame the page received on /ws/events, with the time the test saw it. */
export interface PushedEvent {
  event: string;
  data: Record<string, unknown>;
  receivedAt: number;
}

export async function startHarness(env: Record<string, string> = {}): Promise<Harness> {
  await ensureUiBuilt();
  const db: Database = freshDatabase(sqliteBackend);
  const weft = await startWeft(db, env);
  const browser = await launchBrowser();
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  // Default 10 s (playwright's is 30 s): a missing element fails the test quickly.
  page.setDefaultTimeout(10_000);
  const consoleErrors: string[] = [];
  page.on('pageerror', (err) => consoleErrors.push(String(err)));
  const requests: string[] = [];
  const refusals: string[] = [];
  const origin = new URL(weft.url).origin;
  const nameOf = (method: string, url: string) => {
    const u = new URL(url);
    return `${method} ${u.pathname}${u.search}`;
  };
  page.on('request', (req) => {
    if (new URL(req.url()).origin === origin) requests.push(nameOf(req.method(), req.url()));
  });
  page.on('response', (res) => {
    if (res.status() >= 400 && new URL(res.url()).origin === origin) refusals.push(`${res.status()} ${nameOf(res.request().method(), res.url())}`);
  });
  const events: PushedEvent[] = [];
  page.on('websocket', (socket) => {
    if (!new URL(socket.url()).pathname.endsWith('/ws/events')) return;
    socket.on('framereceived', (frame) => {
      try {
        events.push({ ...JSON.parse(String(frame.payload)), receivedAt: Date.now() });
      } catch {
        // not JSON: not an event
      }
    });
  });
  const harness: Harness = {
    weft,
    browser,
    page,
    consoleErrors,
    events,
    requests,
    refusals,
    async restart(more = {}) {
      const port = new URL(harness.weft.url).port;
      await harness.weft.stop();
      harness.weft = await startWeft(db, { ...env, ...more, WEFT_PORT: port });
    },
    async stop() {
      await browser.close().catch(() => {});
      await harness.weft.stop();
      await db.cleanup();
    },
  };
  return harness;
}

/** Opens /ui/ and enters the key (the key entry form is the first thing a new tab shows). */
export async function signIn(page: Page, url: string, key: string): Promise<void> {
  // Cleared on a page of the same origin that runs no app: a running dashboard could write its
  // workspace back between the clear and the next navigation.
  await page.goto(`${url}/v1/ping`);
  await page.evaluate('sessionStorage.clear()');
  await page.goto(`${url}/ui/`);
  await page.fill('#api-key', key);
  await page.click('button[type=submit]');
  await page.waitForSelector('header.top');
}

/**
 * Takes the screenshot docs/img/<name>.png shows (the viewport, or the whole page). It is written
 * there only with WEFT_UPDATE_SCREENSHOTS=1, so that a test run leaves the working tree clean;
 * otherwise it goes to .tmp/screenshots/.
 */
export async function screenshot(page: Page, name: string, fullPage = false): Promise<void> {
  const dir = process.env.WEFT_UPDATE_SCREENSHOTS === '1' ? IMG_DIR : join(ROOT, '.tmp', 'screenshots');
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `${name}.png`), fullPage });
}
