import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TEST_KEY, eventually } from '../helpers/weft.js';
import { signIn, startHarness, screenshot, type Harness } from './browser-harness.js';

// The Overview with every capability in use: counts per capability, the throughput chart's
// series, failing callbacks — and a change made through the API showing without a reload.

let h: Harness & { consoleErrors: string[] };
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

const count = (card: number, status: string) => h.page.textContent(`.overview .cards .panel:nth-child(${card}) li[data-status="${status}"] strong`).then(Number);

test('counts per capability by status, the throughput series and failing callbacks', async () => {
  const { page } = h;
  await page.waitForSelector('#failing-callbacks:has-text("HTTP 503")');
  assert.equal(await count(1, 'completed'), 5);
  assert.equal(await count(2, 'active'), 2);
  assert.equal(await count(2, 'completed'), 1);
  assert.equal(await count(3, 'running'), 2);
  assert.match((await page.textContent('.overview .cards .panel:nth-child(4)')) ?? '', /1\s*defined/);
  assert.match((await page.textContent('#failing-callbacks')) ?? '', /warehouse: \d+ attempts/);
  // uPlot's legend names both series; the values are in the last minute's bucket.
  const legend = await page.$$eval('.chart .u-legend .u-series th', (ths) => ths.map((t) => t.textContent?.trim()));
  assert.ok(legend.includes('tasks completed') && legend.includes('transitions fired'), JSON.stringify(legend));
  await screenshot(page, 'overview');
});

test('a change through the API shows on the overview without reload', async () => {
  const { page, weft } = h;
  const before = await count(1, 'completed');
  await weft.api('/tasks', { method: 'POST', json: { name: 'one-more', type: 'gx.tiny' } });
  await eventually(() => count(1, 'completed'), (n) => n === before + 1, 3000, 'the completed count to move');
  await weft.api('/v1/flow-instances', { method: 'POST', json: { flow: 'trial', subject: 'u4' } });
  await eventually(() => count(2, 'active'), (n) => n === 3, 3000, 'the active instances to move');
  assert.deepEqual(h.consoleErrors, []);
});
