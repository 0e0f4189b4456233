import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { TEST_KEY } from '../helpers/weft.js';
import { signIn, startHarness, screenshot, type Harness } from './browser-harness.js';

// The dashboard's shell in a real browser: serving under /ui/, the key, workspaces, routing.

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(async () => {
  await h?.stop();
});

test('/ redirects a browser to /ui/; other clients get the API answer; deep links get the app', async () => {
  const html = await fetch(`${h.weft.url}/`, { headers: { accept: 'text/html' }, redirect: 'manual' });
  assert.equal(html.status, 302);
  assert.equal(html.headers.get('location'), '/ui/');
  const json = await fetch(`${h.weft.url}/`, { headers: { accept: 'application/json' }, redirect: 'manual' });
  assert.notEqual(json.status, 302);
  for (const path of ['/ui/', '/ui/w/default/tasks/12', '/ui/anything/else']) {
    const res = await fetch(h.weft.url + path);
    assert.equal(res.status, 200, path);
    assert.match(await res.text(), /<div id="root">/, path);
  }
  const missing = await fetch(`${h.weft.url}/ui/assets/nope-123.js`);
  assert.equal(missing.status, 404);
});

test('a bad key shows the server message, then a good key opens the dashboard', async () => {
  const { page } = h;
  await page.goto(`${h.weft.url}/ui/`);
  await page.fill('#api-key', 'not-a-key');
  await page.click('button[type=submit]');
  const error = await page.waitForSelector('#key-error');
  assert.equal((await error.textContent())?.trim(), 'Forbidden');
  await screenshot(page, 'key-entry');

  await page.fill('#api-key', TEST_KEY);
  await page.click('button[type=submit]');
  await page.waitForSelector('header.top');
  assert.match(page.url(), /\/ui\/w\/default$/);
  assert.equal(await page.evaluate('sessionStorage.getItem("weft.key")'), TEST_KEY);
  // The key is asked once per tab: a reload keeps it.
  await page.reload();
  await page.waitForSelector('header.top');
});

test('the workspace switcher lists the key workspaces and opens a new one', async () => {
  const { page } = h;
  await h.weft.api('/tasks', { method: 'POST', json: { name: 'elsewhere', type: 'gx.tiny' }, headers: { 'x-workspace-id': 'team-a' } });
  await signIn(page, h.weft.url, TEST_KEY);
  await page.goto(`${h.weft.url}/ui/w/default/tasks`);
  await page.waitForSelector('#tasks-table');
  await page.waitForSelector('#workspace option[value="team-a"]', { state: 'attached' });
  await page.selectOption('#workspace', 'team-a');
  await page.waitForURL(/\/ui\/w\/team-a\/tasks$/);
  await page.waitForSelector('#tasks-table tr[data-task-id="1"]');
  assert.match((await page.textContent('#tasks-table')) ?? '', /elsewhere/);

  await page.selectOption('#workspace', { label: 'new workspace…' });
  await page.fill('input[aria-label="new workspace"]', 'fresh_ws');
  await page.click('.workspace-new button[type=submit]');
  await page.waitForURL(/\/ui\/w\/fresh_ws\/tasks$/);
  await page.waitForSelector('#tasks-table');
  assert.match((await page.textContent('#tasks-table')) ?? '', /no tasks/);
});

test('links, back and forward, and the 404 view', async () => {
  const { page } = h;
  await signIn(page, h.weft.url, TEST_KEY);
  await page.click('header.top nav >> text=Tasks');
  await page.waitForURL(/\/ui\/w\/default\/tasks$/);
  await page.click('header.top nav >> text=Processes');
  await page.waitForURL(/\/ui\/w\/default\/processes$/);
  await page.goBack();
  await page.waitForURL(/\/ui\/w\/default\/tasks$/);
  await page.waitForSelector('#tasks-table');
  await page.goForward();
  await page.waitForURL(/\/ui\/w\/default\/processes$/);

  await page.goto(`${h.weft.url}/ui/w/default/no-such-view`);
  await page.waitForSelector('.not-found');
  assert.match((await page.textContent('.not-found h1')) ?? '', /Not found/);
  await screenshot(page, 'not-found');
  assert.deepEqual(h.consoleErrors, []);
});

test('a key with a character no header carries gets the server wording on the key form, not a browser exception', async () => {
  const { page } = h;
  await page.goto(`${h.weft.url}/v1/ping`);
  await page.evaluate('sessionStorage.clear()');
  await page.goto(`${h.weft.url}/ui/`);
  await page.waitForSelector('#api-key');
  const before = h.requests.length;
  await page.fill('#api-key', 'ключ—weft');
  await page.click('button[type=submit]');
  const error = (await (await page.waitForSelector('#key-error')).textContent()) ?? '';
  assert.match(error, /^Forbidden: an API key has no “к” in it/);
  assert.doesNotMatch(error, /fetch|ISO-8859-1|headers/i);
  // Refused before sending: the server would answer 403 Forbidden anyway.
  assert.deepEqual(h.requests.slice(before).filter((r) => r.includes('/v1/workspaces')), []);
  assert.deepEqual(h.consoleErrors, []);
});

test('switching workspace on an address with an id opens the same section in the other workspace', async () => {
  const { page, weft } = h;
  await weft.api('/v1/flows', { method: 'POST', json: { identifier: 'f', steps: [{ identifier: 'a' }], transitions: [] } });
  const started = await weft.api('/v1/flow-instances', { method: 'POST', json: { flow: 'f', subject: 's1' } });
  assert.equal(started.status, 201);
  await signIn(page, weft.url, TEST_KEY);
  for (const [from, to] of [
    [`/flow-instances/${started.body.id}`, '/flows'],
    ['/flows/f', '/flows'],
    ['/tasks/7', '/tasks'],
    ['', ''],
  ]) {
    await page.goto(`${weft.url}/ui/w/default${from}`);
    await page.waitForSelector('#workspace option[value="team-a"]', { state: 'attached' });
    await page.selectOption('#workspace', 'team-a');
    await page.waitForURL(`${weft.url}/ui/w/team-a${to}`);
    assert.equal(await page.locator('.not-found').count(), 0, from);
    assert.equal(await page.getAttribute('main.view', 'data-view'), to ? to.slice(1) : 'overview');
  }
  assert.deepEqual(h.consoleErrors, []);
});

test('a key revoked while the dashboard is open returns it to the key form with the server message', async () => {
  const { page, weft } = h;
  const { key, record } = await weft.engine.auth.createKey('revoked from the dashboard test');
  await signIn(page, weft.url, key);
  // The Overview: REST polls, and /ws/tasks, /ws/events and /ws/flows open.
  await page.waitForSelector('#counts li[data-status="queued"]');
  await page.waitForSelector('#failed-tasks, .panel:has-text("Failed tasks") p.muted:text-is("none")');
  assert.equal(await weft.engine.store.auth.revokeKey(record.id, Date.now()), 1);
  // The server closes the key's sockets (1008); the browser cannot read why, GET /v1/workspaces says 403.
  const error = await page.waitForSelector('#key-error');
  assert.equal((await error.textContent())?.trim(), 'Forbidden');
  assert.equal(await page.locator('header.top').count(), 0);
  assert.equal(await page.evaluate('sessionStorage.getItem("weft.key")'), null);
  // A good key opens it again.
  await page.fill('#api-key', TEST_KEY);
  await page.click('button[type=submit]');
  await page.waitForSelector('header.top');
  assert.deepEqual(h.consoleErrors, []);
});
