import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TEST_KEY, eventually } from '../helpers/weft.js';
import { signIn, startHarness, screenshot, type Harness } from './browser-harness.js';

// The Overview with every capability in use: counts per capability, the throughput chart's
// series, failing callbacks — and a change made through the API showing without a reload.

let h: Harness;
let rx: Server;
let rxUrl = '';

before(async () => {
  rx = createServer((req, res) => {
    req.resume();
    res.statusCode = req.url === '/down' ? 503 : 200;
    res.end();
  });
  await new Promise<void>((r) => rx.listen(0, '127.0.0.1', r));
  rxUrl = `http://127.0.0.1:${(rx.address() as AddressInfo).port}`;
  h = await startHarness({ WEFT_CALLBACK_RETRY_DELAYS: '0.05,120', WEFT_CALLBACK_TIMEOUT_MS: '2000' });
  const { weft } = h;
  for (let i = 0; i < 5; i++) await weft.api('/tasks', { method: 'POST', json: { name: `job-${i}`, type: 'gx.tiny' } });
  await weft.api('/v1/flows', {
    method: 'POST',
    json: { identifier: 'trial', steps: [{ identifier: 'a' }, { identifier: 'b' }, { identifier: 'c' }], transitions: [{ identifier: 'go', from: 'a', to: 'b' }, { identifier: 'next', from: 'b', to: 'c', type: 'automatic' }] },
  });
  for (const subject of ['u1', 'u2', 'u3']) await weft.api('/v1/flow-instances', { method: 'POST', json: { flow: 'trial', subject } });
  const first = (await weft.api('/v1/flow-instances?subject=u1')).body.instances[0];
  await weft.api(`/v1/flow-instances/${first.id}/transitions`, { method: 'POST', json: { transition: 'go' } });
  await weft.api('/v1/workflows', { method: 'POST', json: { workflow: ['define', { name: 'ship' }, [['participant', { ref: 'warehouse' }, []]]], callback: `${rxUrl}/down` } });
  await weft.api('/v1/workflows', { method: 'POST', json: { workflow: ['define', { name: 'bill' }, [['participant', { ref: 'billing' }, []]]], callback: `${rxUrl}/up` } });
  await weft.api('/endpoints', { method: 'POST', json: { name: 'ping', endpoint: { pattern: '/ping-me', method: 'GET' }, transformation: { output: 'JSON' } } });
  await eventually(() => weft.api('/tasks'), (r) => r.body.tasks.every((t: any) => t.status === 'completed'), 5000, 'tasks completed');
  await signIn(h.page, weft.url, TEST_KEY);
});
after(async () => {
  await h?.stop();
  await new Promise((r) => rx.close(r));
});

const count = (card: number, status: string) => h.page.textContent(`#counts .panel:nth-child(${card}) li[data-status="${status}"] strong`).then(Number);

/** The four count cards as the page shows them, statuses with zero left out (as the API does). */
async function shownCounts() {
  const cards: Array<Array<[string, number]>> = [];
  for (let card = 1; card <= 4; card++) {
    cards.push(
      await h.page.$$eval(`#counts .panel:nth-child(${card}) li[data-status]`, (lis) => lis.map((li) => [li.getAttribute('data-status') ?? '', Number(li.querySelector('strong')?.textContent)] as [string, number])),
    );
  }
  const [tasks, flowInstances, processes, endpoints] = cards.map((c) => Object.fromEntries(c.filter(([, n]) => n > 0)));
  return { tasks, flow_instances: flowInstances, processes, endpoints: endpoints.defined ?? 0 };
}

const apiCounts = async () => (await h.weft.api('/v1/stats/counts')).body;

test('counts per capability by status, the throughput series and failing callbacks', async () => {
  const { page } = h;
  await page.waitForSelector('#failing-callbacks:has-text("HTTP 503")');
  assert.equal(await count(1, 'completed'), 5);
  assert.equal(await count(2, 'active'), 2);
  assert.equal(await count(2, 'completed'), 1);
  assert.equal(await count(3, 'running'), 2);
  assert.equal(await count(4, 'defined'), 1);
  assert.deepEqual(await shownCounts(), await apiCounts());
  assert.match((await page.textContent('#failing-callbacks')) ?? '', /warehouse: \d+ attempts/);
  // uPlot's legend names both series.
  const legend = await page.$$eval('.chart .u-legend .u-series th', (ths) => ths.map((t) => t.textContent?.trim()));
  assert.ok(legend.includes('tasks completed') && legend.includes('transitions fired'), JSON.stringify(legend));
  await screenshot(page, 'overview');
});

test('the chart and its totals are those of /v1/stats/throughput', async () => {
  const { page, weft } = h;
  const minutes = (await weft.api('/v1/stats/throughput?minutes=60')).body.minutes as Array<{ tasks_completed: number; transitions_fired: number }>;
  const sum = (k: 'tasks_completed' | 'transitions_fired') => minutes.reduce((n, m) => n + m[k], 0);
  assert.equal(sum('tasks_completed'), 5);
  // 'go' by hand, then 'next' automatically: two transitions.
  assert.equal(sum('transitions_fired'), 2);
  await page.waitForSelector('#throughput-totals');
  assert.equal(await page.textContent('#throughput-totals [data-series="tasks completed"]'), '5');
  assert.equal(await page.textContent('#throughput-totals [data-series="transitions fired"]'), '2');
});

test('a change through the API shows on the overview without reload, and the counts stay those of /v1/stats/counts', async () => {
  const { page, weft } = h;
  const before = await count(1, 'completed');
  await weft.api('/tasks', { method: 'POST', json: { name: 'one-more', type: 'gx.tiny' } });
  await eventually(() => count(1, 'completed'), (n) => n === before + 1, 3000, 'the completed count to move');
  await weft.api('/v1/flow-instances', { method: 'POST', json: { flow: 'trial', subject: 'u4' } });
  await eventually(() => count(2, 'active'), (n) => n === 3, 3000, 'the active instances to move');
  await weft.api('/endpoints', { method: 'POST', json: { name: 'pong', endpoint: { pattern: '/pong-me', method: 'GET' }, transformation: { output: 'JSON' } } });
  await eventually(() => count(4, 'defined'), (n) => n === 2, 3000, 'the endpoint count to move');
  const bill = (await weft.api('/v1/workflows?status=running')).body.workflows.find((w: any) => w.name === 'bill');
  assert.equal((await weft.api(`/v1/workflows/${bill.id}/cancel`, { method: 'POST', json: {} })).status < 300, true);
  await eventually(() => count(3, 'cancelled'), (n) => n === 1, 3000, 'the cancelled processes to move');
  const expected = await apiCounts();
  await eventually(shownCounts, (shown) => isDeepStrictEqual(shown, expected), 3000, 'the page to show /v1/stats/counts');
  assert.deepEqual(h.consoleErrors, []);
});

test('a process in error shows however many processes run beside it; a burst of changes is read a list at a time', async () => {
  const { page, weft } = h;
  // In error (no URL for its participant), then 25 newer processes waiting at a participant.
  const broken = await weft.api('/v1/workflows', { method: 'POST', json: { workflow: ['define', { name: 'broken' }, [['participant', { ref: 'nobody' }, []]]], callbacks: { somebody: `${rxUrl}/up` } } });
  await eventually(() => weft.api(`/v1/workflows/${broken.body.id}`), (r) => r.body.status === 'error', 5000, 'the process in error');
  const waiting: string[] = [];
  for (let i = 0; i < 25; i++) {
    const r = await weft.api('/v1/workflows', { method: 'POST', json: { workflow: ['define', { name: `wait-${i}` }, [['participant', { ref: 'clerk' }, []]]], callback: `${rxUrl}/up` } });
    waiting.push(r.body.id);
  }
  await page.goto(`${weft.url}/ui/w/default`);
  await page.waitForSelector(`#failing-callbacks li:has-text("${broken.body.id}")`);
  assert.match((await page.textContent('#failing-callbacks')) ?? '', /no callback URL for participant "nobody"/);

  // 25 cancels: 25 process.changed events or more. The list of processes in error is what is
  // read again, coalesced to about one reload a second; none of the cancelled ones is read in full.
  const before = h.requests.length;
  const t0 = Date.now();
  await Promise.all(waiting.map((id) => weft.api(`/v1/workflows/${id}/cancel`, { method: 'POST', json: {} })));
  await eventually(() => count(3, 'cancelled'), (n) => n >= 26, 5000, 'the cancels counted');
  const listed = () => h.requests.slice(before).filter((r) => r === 'GET /v1/workflows?status=error').length;
  await eventually(listed, (n) => n >= 1, 5000, 'the processes in error read again');
  const seconds = (Date.now() - t0) / 1000;
  const during = h.requests.slice(before);
  assert.deepEqual(during.filter((r) => waiting.some((id) => r.includes(id))), []);
  const listReads = during.filter((r) => r === 'GET /v1/workflows?status=error').length;
  assert.ok(listReads <= Math.ceil(seconds) + 2, `${listReads} list reads in ${seconds} s`);
  assert.ok(h.events.filter((e) => e.event === 'process.changed').length >= 25);
  assert.deepEqual(h.consoleErrors, []);
});
