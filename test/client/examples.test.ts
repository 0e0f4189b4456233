import { test, describe, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { sqliteBackend } from '../helpers/backends.js';
import { freePort } from '../helpers/child-weft.js';
import { freshDatabase, startWeft, TEST_KEY, type Database, type RunningWeft } from '../helpers/weft.js';
import { createClient } from '../../packages/client/src/index.js';

// Every example in examples/ runs once against a real weft, as its README says to run it.

const SECRET = `whsec_${randomBytes(24).toString('base64')}`;

function runExample(script: string, env: Record<string, string>, timeoutMs = 60_000): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--conditions=weft-source', '--import', 'tsx', script], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

describe('examples (SQLite)', () => {
  let db: Database;
  let weft: RunningWeft;
  let env: Record<string, string>;
  before(async () => {
    db = freshDatabase(sqliteBackend);
    const port = await freePort();
    weft = await startWeft(db, { WEFT_PORT: String(port), WEFT_PUBLIC_URL: `http://127.0.0.1:${port}`, WEFT_WORKER_TYPES: 'email.send', WEFT_WEBHOOK_SECRET: SECRET });
    env = { WEFT_URL: weft.url, WEFT_API_KEY: TEST_KEY, WEFT_WEBHOOK_SECRET: SECRET };
  });
  after(async () => {
    await weft.stop();
    await db.cleanup();
  });

  test('examples/task-worker completes its three tasks and exits', async () => {
    const { code, out } = await runExample('examples/task-worker/worker.ts', env);
    assert.equal(code, 0, out);
    assert.equal(out.match(/completed task \d+: \{"sent":"[^"]+@example\.com"\}/g)?.length, 3, out);
    const tasks = await createClient({ url: weft.url, apiKey: TEST_KEY, workspace: 'examples' }).tasks.list();
    assert.ok(tasks.length >= 3 && tasks.every((t) => t.status === 'completed'));
  });

  test('examples/process-participants runs its three signed participants to completion', async () => {
    const { code, out } = await runExample('examples/process-participants/run.ts', env);
    assert.equal(code, 0, out);
    assert.match(out, /process completed: .*"reviewed":true.*"words":5.*"approved":true.*"published_at":"\d{4}-/, out);
  });

  test('examples/endpoint-lookup creates its endpoint and calls it twice, the second time with the state of the first', async () => {
    const { code, out } = await runExample('examples/endpoint-lookup/run.ts', env);
    assert.equal(code, 0, out);
    assert.match(out, /first: {2}\{"patient":\{"id":"42","name":"Jane Doe","gender":"female","birthDate":"1990-05-17","greeting":"Hello, Jane Doe"\}\}/, out);
    assert.match(out, /second: \{"patient":\{.*"previousPoll":"\d{4}-/, out);
    // Run again: it replaces its endpoint instead of failing on the name.
    const again = await runExample('examples/endpoint-lookup/run.ts', env);
    assert.equal(again.code, 0, again.out);
  });

  test('examples/browser-flow: a browser page drives the onboarding flow to completed', async () => {
    const { createServer } = await import('vite');
    const { chromium } = await import('playwright-core');
    process.env.WEFT_URL = weft.url;
    process.env.WEFT_API_KEY = TEST_KEY;
    const vite = await createServer({ configFile: 'examples/browser-flow/vite.config.ts', server: { port: 0 } });
    await vite.listen();
    const pageUrl = vite.resolvedUrls!.local[0];
    // The machines have a system Chromium; CHROMIUM_PATH points elsewhere.
    const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
    try {
      const page = await browser.newPage();
      const problems: string[] = [];
      page.on('pageerror', (e) => problems.push(e.message));
      await page.goto(`${pageUrl}?subject=browser-ada`);
      // Page-side expressions are strings: this file is compiled without the DOM library.
      await page.waitForFunction(`document.getElementById('state')?.textContent === 'active'`, undefined, { timeout: 30_000 });
      for (let i = 1; i <= 3; i++) {
        await page.click('#complete');
        await page.waitForFunction(`document.querySelectorAll('li.completed').length >= ${i}`, undefined, { timeout: 10_000 });
      }
      await page.waitForFunction(`document.getElementById('state')?.textContent === 'completed'`, undefined, { timeout: 10_000 });
      assert.match(await page.textContent('#log') ?? '', /seq 4: active \[\] \(completed\)/);
      assert.deepEqual(problems, []);
      const client = createClient({ url: weft.url, apiKey: TEST_KEY, workspace: 'examples' });
      const [instance] = await client.flowInstances.list({ subject: 'browser-ada' });
      assert.equal(instance.state, 'completed');
      assert.equal((await client.flowInstances.history(instance.id)).length, 3);
    } finally {
      await browser.close();
      await vite.close();
    }
  });
});
