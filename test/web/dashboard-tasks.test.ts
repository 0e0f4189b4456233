import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { TEST_KEY, eventually } from '../helpers/weft.js';
import { signIn, startHarness, screenshot, type Harness } from './browser-harness.js';

// The Tasks and Overview views against a real weft: the /ws/tasks stream as a live table.
// `ext.job` is served only by external workers, so its tasks stay queued until the test acts.

let h: Harness;
before(async () => {
  h = await startHarness({ WEFT_WORKER_TYPES: 'ext.job' });
  await signIn(h.page, h.weft.url, TEST_KEY);
});
after(async () => {
  await h?.stop();
});

const row = (id: number, status?: string) => `#tasks-table tr[data-task-id="${id}"]${status ? `[data-status="${status}"]` : ''}`;

test('a task created through the API appears within a second and moves to completed', async () => {
  const { page, weft } = h;
  await page.goto(`${weft.url}/ui/w/default/tasks`);
  await page.waitForSelector('#tasks-table');
  const created = await weft.api('/tasks', { method: 'POST', json: { name: 'welcome', type: 'gx.tiny', payload: { to: 'ada@example.com' } } });
  assert.equal(created.status, 200);
  const id = created.body.task.id as number;
  const t0 = Date.now();
  await page.waitForSelector(row(id), { timeout: 1000 });
  assert.ok(Date.now() - t0 < 1000);
  await page.waitForSelector(row(id, 'completed'), { timeout: 5000 });
  assert.match((await page.textContent(row(id))) ?? '', /welcome.*gx\.tiny.*completed.*1\/3/);
});

test('create from the page, open a task by its address, filter by status and type', async () => {
  const { page, weft } = h;
  await page.fill('input[aria-label="task name"]', 'from-the-page');
  // The type list is the server's catalog, external-worker types included.
  const catalog = (await weft.api('/v1/task-types')).body.types.map((t: any) => t.type);
  await page.waitForSelector('select[aria-label="task type"] option[value="ext.job"]', { state: 'attached' });
  assert.deepEqual(await page.$$eval('select[aria-label="task type"] option', (os) => os.map((o) => o.getAttribute('value'))), catalog);
  assert.match((await page.textContent('select[aria-label="task type"] option[value="ext.job"]')) ?? '', /external worker/);
  await page.selectOption('select[aria-label="task type"]', 'gx.micro');
  await page.fill('input[aria-label="payload"]', '{"n": 7}');
  await page.click('#create-task button[type=submit]');
  const listed = await eventually(() => weft.api('/tasks'), (r) => r.body.tasks.some((t: any) => t.name === 'from-the-page'), 3000, 'the created task');
  const task = listed.body.tasks.find((t: any) => t.name === 'from-the-page');
  assert.deepEqual(task.payload, { n: 7 });
  await page.waitForSelector(row(task.id, 'completed'));

  await page.click(`${row(task.id)} a`);
  await page.waitForURL(new RegExp(`/ui/w/default/tasks/${task.id}$`));
  assert.match((await page.textContent('#task-detail')) ?? '', /from-the-page[\s\S]*gx\.micro[\s\S]*"n": 7/);
  // The address alone opens it too.
  await page.goto(`${weft.url}/ui/w/default/tasks/${task.id}`);
  await page.waitForSelector('#task-detail');

  await weft.api('/tasks', { method: 'POST', json: { name: 'waiting', type: 'ext.job' } });
  await page.goto(`${weft.url}/ui/w/default/tasks`);
  await page.waitForSelector('#tasks-table tr[data-status="queued"]');
  await page.selectOption('#filter-status', 'queued');
  await page.waitForURL(/status=queued/);
  const statuses = await page.$$eval('#tasks-table tbody tr[data-status]', (rows) => rows.map((r) => r.getAttribute('data-status')));
  assert.ok(statuses.length > 0 && statuses.every((s) => s === 'queued'), JSON.stringify(statuses));
  await page.selectOption('#filter-status', '');
  await page.selectOption('#filter-type', 'gx.micro');
  const types = await page.$$eval('#tasks-table tbody tr[data-status] td:nth-child(3)', (cells) => cells.map((c) => c.textContent));
  assert.deepEqual(types, ['gx.micro']);
  await page.selectOption('#filter-type', '');
});

test('a running task shows its worker and lease; a failed one its attempts and error; a queued one can be deleted', async () => {
  const { page, weft } = h;
  const doomed = (await weft.api('/tasks', { method: 'POST', json: { name: 'doomed', type: 'ext.job', max_attempts: 1 } })).body.task;
  // The oldest queued ext.job is 'waiting', from the test before.
  const claim = await weft.api('/v1/tasks/claim', { method: 'POST', json: { types: ['ext.job'], max: 1, worker_id: 'worker-7' } });
  const claimed = claim.body.tasks[0];
  assert.equal(claimed.name, 'waiting');
  await page.waitForSelector(`${row(claimed.id, 'running')}`);
  const running = (await page.textContent(row(claimed.id))) ?? '';
  assert.match(running, /worker-7/);
  assert.match(running, /in \d+s/, 'the lease expiry');
  await weft.api(`/v1/tasks/${claimed.id}/fail`, { method: 'POST', json: { lease: claimed.lease, error: 'smtp said no', retryable: false } });
  await page.waitForSelector(row(claimed.id, 'failed'));
  assert.match((await page.textContent(row(claimed.id))) ?? '', /1\/3.*smtp said no/);
  await screenshot(page, 'tasks');

  await page.waitForSelector(row(doomed.id, 'queued'));
  await page.click(`${row(doomed.id)} button:has-text("delete")`);
  await page.waitForSelector(row(doomed.id), { state: 'detached' });
  assert.equal((await weft.api(`/tasks/${doomed.id}`)).status, 404);
});

test('a task failed with a structured error shows its message, and the page stays whole', async () => {
  const { page, weft } = h;
  await page.goto(`${weft.url}/ui/w/default/tasks`);
  const made = (await weft.api('/tasks', { method: 'POST', json: { name: 'structured', type: 'ext.job', max_attempts: 1 } })).body.task;
  const claimed = (await weft.api('/v1/tasks/claim', { method: 'POST', json: { types: ['ext.job'], max: 100, worker_id: 'worker-8' } })).body.tasks;
  for (const t of claimed) {
    // Workers may fail a task with any JSON (weft's own lease expiry reports {"message": "lease expired"}).
    const json = t.id === made.id ? { lease: t.lease, error: { code: 42, message: 'disk full' }, retryable: false } : { lease: t.lease };
    assert.equal((await weft.api(`/v1/tasks/${t.id}/${t.id === made.id ? 'fail' : 'release'}`, { method: 'POST', json })).status, 200);
  }
  await page.waitForSelector(row(made.id, 'failed'));
  assert.match((await page.textContent(row(made.id))) ?? '', /disk full/);
  await page.goto(`${weft.url}/ui/w/default/tasks/${made.id}`);
  await page.waitForSelector('#task-detail');
  assert.match((await page.textContent('#task-detail')) ?? '', /"code": 42/);
  await page.click('header.top nav >> text=Overview');
  await page.waitForSelector('#failed-tasks >> text=disk full');
  assert.equal(await page.locator('#view-error').count(), 0);
});

test('the overview counts tasks by status and lists failed tasks', async () => {
  const { page, weft } = h;
  await page.click('header.top nav >> text=Overview');
  await page.waitForSelector('#failed-tasks');
  assert.match((await page.textContent('#failed-tasks')) ?? '', /smtp said no/);
  const completed = await page.textContent('.overview .panel:first-child li[data-status="completed"] strong');
  const expected = (await weft.api('/tasks')).body.tasks.filter((t: any) => t.status === 'completed').length;
  assert.equal(Number(completed), expected);
  await page.waitForSelector('.chart .uplot');
});

test('flush removes finished tasks from the table', async () => {
  const { page, weft } = h;
  await page.goto(`${weft.url}/ui/w/default/tasks`);
  await page.waitForSelector('#tasks-table tr[data-status="completed"]');
  await page.click('button:has-text("Flush")');
  await page.click('button:has-text("yes, flush")');
  await page.waitForSelector('#tasks-table tr[data-status="completed"]', { state: 'detached' });
  const left = (await weft.api('/tasks')).body.tasks;
  assert.ok(left.every((t: any) => t.status === 'queued' || t.status === 'running'));
  assert.deepEqual(h.consoleErrors, []);
});

test('a task address whose id is not a number shows the not-found view and asks for nothing', async () => {
  const { page, weft } = h;
  await page.goto(`${weft.url}/ui/w/default/tasks`);
  await page.waitForSelector('#tasks-table');
  const before = h.requests.length;
  await page.goto(`${weft.url}/ui/w/default/tasks/abc`);
  await page.waitForSelector('.not-found');
  assert.equal(await page.locator('text=Task NaN').count(), 0);
  assert.deepEqual(h.requests.slice(before).filter((r) => /\/tasks\/(abc|NaN)/.test(r) && !r.includes('/ui/')), []);
  assert.deepEqual(h.consoleErrors, []);
});

test("an action's error line goes when another address opens", async () => {
  const { page, weft } = h;
  const created = await weft.api('/tasks', { method: 'POST', json: { name: 'to-open', type: 'ext.job' } });
  const id = created.body.task.id as number;
  await page.goto(`${weft.url}/ui/w/default/tasks`);
  await page.waitForSelector(row(id));
  await page.fill('input[aria-label="task name"]', 'broken');
  await page.fill('input[aria-label="payload"]', '{not json');
  await page.click('#create-task button[type=submit]');
  await page.waitForSelector('p.error:has-text("payload is not JSON")');
  await page.click(`${row(id)} a`);
  await page.waitForURL(new RegExp(`/tasks/${id}$`));
  await page.waitForSelector('#task-detail');
  assert.equal(await page.locator('p.error:has-text("payload is not JSON")').count(), 0);
});

test('the task catalog is read again when the server comes back (restarted with other types)', async () => {
  const { page } = h;
  await page.goto(`${h.weft.url}/ui/w/default/tasks`);
  await page.waitForSelector('select[aria-label="task type"] option[value="ext.job"]', { state: 'attached' });
  assert.equal(await page.locator('select[aria-label="task type"] option[value="ext.other"]').count(), 0);
  await page.waitForSelector('.live.on');
  await h.restart({ WEFT_WORKER_TYPES: 'ext.job,ext.other' });
  // The task stream reconnects (0.5 s, then doubling), and the catalog is read again.
  await page.waitForSelector('select[aria-label="task type"] option[value="ext.other"]', { state: 'attached', timeout: 15_000 });
  assert.deepEqual(h.consoleErrors, []);
});
