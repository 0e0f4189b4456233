import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { Browser } from 'playwright-core';
import { sqliteBackend } from '../helpers/backends.js';
import { freshDatabase, startWeft, TEST_KEY, type RunningWeft, type Database } from '../helpers/weft.js';
import { launchBrowser } from './browser-harness.js';

// WEFT_CORS_ORIGINS as a browser enforces it: a page served from another origin (another port on
// 127.0.0.1) POSTs a task with its key (a preflighted request) to a weft that lists the page's
// origin, and to one that does not.

let page: Server;
let pageOrigin = '';
let browser: Browser;
const wefts: Array<{ db: Database; weft: RunningWeft }> = [];

async function weftWith(env: Record<string, string>): Promise<RunningWeft> {
  const db = freshDatabase(sqliteBackend);
  const weft = await startWeft(db, env);
  wefts.push({ db, weft });
  return weft;
}

before(async () => {
  page = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>app</title>'));
  await new Promise<void>((r) => page.listen(0, '127.0.0.1', r));
  pageOrigin = `http://127.0.0.1:${(page.address() as { port: number }).port}`;
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  for (const { db, weft } of wefts) {
    await weft.stop();
    await db.cleanup();
  }
  await new Promise((r) => page.close(r));
});

/** From the page: POST /tasks on `url` with the key; the status, or the browser's refusal. */
async function postFromPage(url: string): Promise<string> {
  const tab = await browser.newPage();
  try {
    await tab.goto(pageOrigin);
    return await tab.evaluate(
      async ([u, key]) => {
        try {
          const r = await fetch(`${u}/tasks`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': key }, body: JSON.stringify({ name: 'from-page', type: 'gx.tiny' }) });
          return `${r.status} ${((await r.json()) as { task?: { name: string } }).task?.name}`;
        } catch (e) {
          return `refused: ${(e as Error).name}`;
        }
      },
      [url, TEST_KEY] as const,
    );
  } finally {
    await tab.close();
  }
}

test("a page of a listed origin calls the API; the browser refuses it where weft does not list it", async () => {
  const listing = await weftWith({ WEFT_CORS_ORIGINS: pageOrigin });
  assert.equal(await postFromPage(listing.url), '200 from-page');
  const other = await weftWith({});
  assert.equal(await postFromPage(other.url), 'refused: TypeError');
  // The refused preflight sent nothing on: no task was created there.
  assert.deepEqual((await other.api('/tasks')).body.tasks, []);
});
