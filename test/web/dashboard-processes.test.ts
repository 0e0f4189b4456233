import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TEST_KEY, eventually } from '../helpers/weft.js';
import { signIn, startHarness, screenshot, type Harness } from './browser-harness.js';

// The Processes views against a real weft and a participant on loopback: alpha takes its
// callbacks, bravo answers 500 so its delivery keeps failing.

let h: Harness;
let rx: Server;
let rxUrl = '';
const received: Array<{ path: string; body: any }> = [];

before(async () => {
  rx = createServer((req, res) => {
    let text = '';
    req.on('data', (c) => (text += c));
    req.on('end', () => {
      received.push({ path: req.url ?? '', body: JSON.parse(text || 'null') });
      res.statusCode = req.url === '/bravo' ? 500 : 200;
      res.end(req.url === '/bravo' ? 'bravo is down' : 'ok');
    });
  });
  await new Promise<void>((r) => rx.listen(0, '127.0.0.1', r));
  rxUrl = `http://127.0.0.1:${(rx.address() as AddressInfo).port}`;
  // Two quick retries, then far away: bravo's delivery stays pending with an error, and a retry
  // sent from the page (not the last attempt) leaves it pending.
  h = await startHarness({ WEFT_CALLBACK_RETRY_DELAYS: '0.05,0.05,120,120', WEFT_CALLBACK_TIMEOUT_MS: '2000' });
  await signIn(h.page, h.weft.url, TEST_KEY);
});
after(async () => {
  await h?.stop();
  await new Promise((r) => rx.close(r));
});

const definition = ['define', { name: 'order-review' }, [
  ['echo', { 'review starts': null }, []],
  ['concurrence', {}, [['participant', { ref: 'alpha' }, []], ['participant', { ref: 'bravo' }, []]]],
  ['echo', { 'review done': null }, []],
]];

let wfid = '';

test('processes are listed by status and found by id, name or field', async () => {
  const { page, weft } = h;
  const launched = await weft.api('/v1/workflows', { method: 'POST', json: { workflow: definition, callbacks: { alpha: `${rxUrl}/alpha`, bravo: `${rxUrl}/bravo` }, fields: { order: 'A-1042' } } });
  assert.equal(launched.status, 201);
  wfid = launched.body.id;
  const other = await weft.api('/v1/workflows', { method: 'POST', json: { workflow: ['define', { name: 'quick' }, [['echo', { hi: null }, []]]], callback: `${rxUrl}/alpha` } });
  await eventually(() => weft.api(`/v1/workflows/${other.body.id}`), (r) => r.body.status === 'completed', 5000, 'the quick process to complete');

  await page.click('header.top nav >> text=Processes');
  await page.waitForSelector(`#processes-table tr[data-wfid="${wfid}"][data-status="running"]`);
  await page.waitForSelector(`#processes-table tr[data-wfid="${other.body.id}"][data-status="completed"]`);
  await page.click('.tabs button:has-text("running")');
  await page.waitForSelector(`#processes-table tr[data-wfid="${other.body.id}"]`, { state: 'detached' });
  await page.click('.tabs button:has-text("all")');
  await page.waitForSelector(`#processes-table tr[data-wfid="${other.body.id}"]`);
  await screenshot(page, 'processes');

  await page.fill('#process-search', 'order=A-1042');
  await page.waitForURL(/q=order%3DA-1042/);
  await page.waitForSelector(`#processes-table tr[data-wfid="${wfid}"]`);
  assert.equal(await page.locator('#processes-table tr[data-wfid]').count(), 1);
  await page.fill('#process-search', 'quick');
  await page.waitForSelector(`#processes-table tr[data-wfid="${wfid}"]`, { state: 'detached' });
  await page.fill('#process-search', '');
});

test('a process waiting at participants shows them highlighted, with deliveries, fields and trace', async () => {
  const { page, weft } = h;
  await eventually(() => weft.api(`/v1/workflows/${wfid}`), (r) => r.body.workitems.some((w: any) => w.participant === 'bravo' && w.delivery?.attempts >= 2), 5000, 'bravo retried');
  await page.goto(`${weft.url}/ui/w/default/processes`);
  await page.click(`#processes-table tr[data-wfid="${wfid}"] a`);
  await page.waitForURL(new RegExp(`/processes/${wfid}$`));
  await page.waitForSelector('#process-tree');
  const highlighted = await page.$$eval('#process-tree .node.current', (ns) => ns.map((n) => n.getAttribute('data-expid')).sort());
  assert.deepEqual(highlighted, ['0_1_0', '0_1_1']);
  assert.match((await page.textContent('#process-tree .node.current[data-expid="0_1_0"]')) ?? '', /participant.*ref: "alpha"/);
  assert.equal(await page.locator('#process-tree .node:not(.current)').count(), 4);

  await page.waitForSelector('#deliveries tr[data-participant="bravo"]:has-text("HTTP 500")');
  const bravo = (await page.textContent('#deliveries tr[data-participant="bravo"]')) ?? '';
  assert.match(bravo, /pending/);
  assert.match(bravo, /in \d+m|in \d+s/);
  assert.match((await page.textContent('#deliveries tr[data-participant="alpha"]')) ?? '', /delivered/);
  assert.match((await page.textContent('.facts')) ?? '', /A-1042/);
  // While it runs, `fields` are those it was launched with: labelled so, not as the current ones.
  assert.equal(await page.textContent('#process-fields-label'), 'launch fields');
  // Only the waiting workitems' deliveries are in the API's answer: the section says so.
  assert.match((await page.textContent('#deliveries-note')) ?? '', /still waiting/);
  assert.deepEqual(await page.$$eval('#process-trace li', (lis) => lis.map((l) => l.textContent)), ['review starts']);
  await screenshot(page, 'process');
});

test('retry now, after a confirmation, sends a pending delivery again at once', async () => {
  const { page, weft } = h;
  // bravo's next retry is two minutes away (WEFT_CALLBACK_RETRY_DELAYS: 0.05, 0.05, 120, 120).
  const before = (await weft.api(`/v1/workflows/${wfid}`)).body.workitems.find((w: any) => w.participant === 'bravo').delivery;
  assert.equal(before.state, 'pending');
  const sent = received.filter((c) => c.path === '/bravo').length;
  await page.click('#deliveries tr[data-participant="bravo"] button:has-text("Retry now")');
  // Armed, not yet sent.
  assert.equal(received.filter((c) => c.path === '/bravo').length, sent);
  await page.click('#deliveries tr[data-participant="bravo"] button:has-text("yes, retry now")');
  await eventually(() => received.filter((c) => c.path === '/bravo').length, (n) => n === sent + 1, 3000, 'bravo called again');
  const after = await eventually(
    () => weft.api(`/v1/workflows/${wfid}`),
    (r) => r.body.workitems.find((w: any) => w.participant === 'bravo').delivery.attempts === before.attempts + 1,
    3000,
    'one more attempt recorded',
  );
  const attempts = String(after.body.workitems.find((w: any) => w.participant === 'bravo').delivery.attempts);
  await page.waitForSelector(`#deliveries tr[data-participant="bravo"] td:nth-child(5):text-is("${attempts}")`, { timeout: 3000 });
  // alpha's delivery is done: nothing to retry.
  assert.equal(await page.locator('#deliveries tr[data-participant="alpha"] button:has-text("Retry now")').count(), 0);
});

test('pause and resume from the page, each after a confirmation', async () => {
  const { page, weft } = h;
  await page.click('button:has-text("Pause")');
  assert.equal((await weft.api(`/v1/workflows/${wfid}`)).body.paused, false, 'armed, not yet sent');
  await page.click('button:has-text("yes, pause")');
  await eventually(() => weft.api(`/v1/workflows/${wfid}`), (r) => r.body.paused === true, 5000, 'paused');
  await page.click('button:has-text("Resume")');
  assert.equal((await weft.api(`/v1/workflows/${wfid}`)).body.paused, true, 'armed, not yet sent');
  await page.click('button:has-text("yes, resume")');
  await eventually(() => weft.api(`/v1/workflows/${wfid}`), (r) => r.body.paused === false, 5000, 'resumed');
});

test('cancel from the page, after a confirmation, cancels the process', async () => {
  const { page, weft } = h;
  await page.click('button:has-text("Cancel")');
  // Armed, not yet sent.
  assert.equal((await weft.api(`/v1/workflows/${wfid}`)).body.status, 'running');
  await page.click('button:has-text("yes, cancel")');
  const done = await eventually(() => weft.api(`/v1/workflows/${wfid}`), (r) => r.body.status === 'cancelled', 5000, 'cancelled');
  assert.equal(done.body.status, 'cancelled');
  await page.waitForSelector('.panel .badge.status-cancelled');
  await eventually(() => received.some((c) => c.path === '/alpha' && c.body?.status === 'cancel'), Boolean, 5000, 'alpha told to cancel');
  assert.deepEqual(h.consoleErrors, []);
});

test('a process proceeded through the API changes on the open page within a second, pushed by /ws/events', async () => {
  const { page, weft } = h;
  const launched = await weft.api('/v1/workflows', {
    method: 'POST',
    json: {
      workflow: ['define', { name: 'two-steps' }, [['participant', { ref: 'alpha' }, []], ['echo', { 'alpha replied': null }, []], ['participant', { ref: 'delta' }, []]]],
      callbacks: { alpha: `${rxUrl}/alpha`, delta: `${rxUrl}/alpha` },
    },
  });
  const id = launched.body.id as string;
  await page.goto(`${weft.url}/ui/w/default/processes/${id}`);
  await page.waitForSelector('#process-tree .node.current[data-expid="0_0"]');
  // Delivered: no retry is due, so nothing but a pushed event reloads the view from here on.
  await page.waitForSelector('#deliveries tr[data-participant="alpha"]:has-text("delivered")');
  const alpha = (await weft.api(`/v1/workflows/${id}`)).body.workitems[0];
  const pushedBefore = h.events.length;

  const proceeded = await weft.api(`/v1/workflows/${id}/workitems/${encodeURIComponent(alpha.workitem_id)}/proceed`, { method: 'POST', json: { fields: { approved: true } } });
  assert.ok(proceeded.status < 300, JSON.stringify(proceeded.body));
  await page.waitForSelector('#process-tree .node.current[data-expid="0_2"]', { timeout: 1000 });
  await page.waitForSelector('#process-trace li:has-text("alpha replied")', { timeout: 1000 });
  assert.ok(
    h.events.slice(pushedBefore).some((e) => e.event === 'process.changed' && e.data.wfid === id),
    'the page received process.changed for the process',
  );

  const delta = await eventually(() => weft.api(`/v1/workflows/${id}`), (r) => r.body.workitems[0]?.participant === 'delta', 3000, 'delta waiting');
  await weft.api(`/v1/workflows/${id}/workitems/${encodeURIComponent(delta.body.workitems[0].workitem_id)}/proceed`, { method: 'POST', json: {} });
  await page.waitForSelector('.panel .badge.status-completed', { timeout: 1000 });
  assert.match((await page.textContent('.facts')) ?? '', /"approved": true/);
  // Once ended, the process's fields are its final ones (docs/processes.md).
  assert.equal(await page.textContent('#process-fields-label'), 'final fields');

  // The list, open on another address, moves too.
  await page.goto(`${weft.url}/ui/w/default/processes?status=running`);
  const other = await weft.api('/v1/workflows', { method: 'POST', json: { workflow: ['define', { name: 'late' }, [['participant', { ref: 'alpha' }, []]]], callback: `${rxUrl}/alpha` } });
  await page.waitForSelector(`#processes-table tr[data-wfid="${other.body.id}"][data-status="running"]`, { timeout: 1000 });
  await weft.api(`/v1/workflows/${other.body.id}/kill`, { method: 'POST', json: {} });
  await page.waitForSelector(`#processes-table tr[data-wfid="${other.body.id}"]`, { state: 'detached', timeout: 1000 });
  assert.deepEqual(h.consoleErrors, []);
});

test('a process in error marks the failing expression; replay from the page runs it again', async () => {
  const { page, weft } = h;
  const launched = await weft.api('/v1/workflows', {
    method: 'POST',
    json: { workflow: ['define', { name: 'no-url' }, [['echo', { before: null }, []], ['participant', { ref: 'charlie' }, []]]], callbacks: { alpha: `${rxUrl}/alpha` } },
  });
  const id = launched.body.id as string;
  const first = await eventually(() => weft.api(`/v1/workflows/${id}`), (r) => r.body.errors.length === 1, 5000, 'the error');
  await page.goto(`${weft.url}/ui/w/default/processes/${id}`);
  await page.waitForSelector('#process-tree .node.errored[data-expid="0_1"]');
  assert.match((await page.textContent('#process-errors')) ?? '', /no callback URL for participant "charlie"/);
  await page.click('#process-errors button:has-text("Replay")');
  await page.click('#process-errors button:has-text("yes, replay")');
  // Still no URL for charlie: the replay runs the participant again and records a new error.
  const again = await eventually(() => weft.api(`/v1/workflows/${id}`), (r) => r.body.errors.length === 1 && r.body.errors[0].id !== first.body.errors[0].id, 5000, 'a new error after the replay');
  assert.equal(again.body.errors[0].expid, '0_1');
  assert.deepEqual(h.consoleErrors, []);
});

test('a view opening reads its data once, not again when /ws/events connects', async () => {
  const { page, weft } = h;
  const before = h.requests.length;
  await page.goto(`${weft.url}/ui/w/default/processes`, { waitUntil: 'networkidle' });
  await page.waitForSelector('.live.on');
  await page.waitForSelector('#processes-table tr[data-wfid]');
  assert.deepEqual(h.requests.slice(before).filter((r) => r === 'GET /v1/workflows'), ['GET /v1/workflows']);
  const one = (await weft.api('/v1/workflows')).body.workflows[0].id as string;
  const detailsBefore = h.requests.length;
  await page.goto(`${weft.url}/ui/w/default/processes/${one}`, { waitUntil: 'networkidle' });
  await page.waitForSelector('#process-tree');
  assert.deepEqual(h.requests.slice(detailsBefore).filter((r) => r.startsWith('GET /v1/workflows/')), [`GET /v1/workflows/${one}`]);
});

test('past the newest 500: the list says it is cut off, an exact id finds an older process, a field search says what it read', async () => {
  const { page, weft } = h;
  const launch = (i: number) =>
    weft.api('/v1/workflows', { method: 'POST', json: { workflow: ['define', { name: 'bulk' }, [['echo', { [`n${i}`]: null }, []]]], callback: `${rxUrl}/alpha`, fields: { batch: 'b7', n: i } } });
  const oldest = (await launch(0)).body.id as string;
  for (let i = 1; i < 520; i += 40) await Promise.all(Array.from({ length: Math.min(40, 520 - i) }, (_, k) => launch(i + k)));
  assert.equal((await weft.api('/v1/workflows')).body.workflows.length, 500);

  await page.goto(`${weft.url}/ui/w/default/processes`);
  await page.waitForSelector('#processes-limit:has-text("newest 500")');
  assert.equal(await page.locator(`#processes-table tr[data-wfid="${oldest}"]`).count(), 0);
  // A whole wfid is asked for directly: found however old.
  await page.fill('#process-search', oldest);
  await page.waitForSelector(`#processes-table tr[data-wfid="${oldest}"]`);
  assert.equal(await page.locator('#processes-table tr[data-wfid]').count(), 1);
  assert.equal(await page.locator('#processes-limit').count(), 0);
  // A part of one is searched among the newest 500 only, and the page says so.
  await page.fill('#process-search', 'bulk');
  await page.waitForSelector('#processes-limit:has-text("searched the newest 500")');
  // A field search reads the newest 100 of them and says so.
  await page.fill('#process-search', 'batch=b7');
  await page.waitForSelector('#processes-limit:has-text("searched the fields of the newest 100")');
  assert.equal(await page.locator('#processes-table tr[data-wfid]').count(), 100);
  await page.fill('#process-search', '');
  assert.deepEqual(h.consoleErrors, []);
});
