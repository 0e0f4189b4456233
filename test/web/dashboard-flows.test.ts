import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { TEST_KEY, eventually } from '../helpers/weft.js';
import { signIn, startHarness, screenshot, type Harness } from './browser-harness.js';

// The Flows views: a schema's diagram, an instance coloured by step state, firing a manual
// transition from the page (checked through the API), and changes pushed over /ws/flows.

let h: Harness;
before(async () => {
  h = await startHarness();
  await signIn(h.page, h.weft.url, TEST_KEY);
});
after(async () => {
  await h?.stop();
});

const onboarding = (description: string) => ({
  identifier: 'onboarding',
  name: 'Onboarding',
  description,
  steps: ['welcome', 'profile', 'invite', 'celebrate', 'done'].map((identifier) => ({ identifier, name: identifier[0].toUpperCase() + identifier.slice(1) })),
  transitions: [
    { identifier: 'complete', from: 'welcome', to: 'profile' },
    { identifier: 'skip', from: 'welcome', to: 'done' },
    { identifier: 'pro-invite', from: 'profile', to: 'invite', type: 'automatic', condition: '${subject.plan} == pro' },
    { identifier: 'finish', from: 'invite', to: 'celebrate' },
    { identifier: 'wrap-up', from: 'celebrate', to: 'done', type: 'automatic' },
  ],
});

let instanceId = '';

test('a flow diagram shows every step, manual and automatic transitions apart, and conditions', async () => {
  const { page, weft } = h;
  assert.equal((await weft.api('/v1/flows', { method: 'POST', json: onboarding('first draft') })).status, 201);
  assert.equal((await weft.api('/v1/flows', { method: 'POST', json: onboarding('A new user, from welcome to done') })).status, 201);
  assert.equal((await weft.api('/v1/subjects/ada@example.com', { method: 'PUT', json: { properties: { plan: 'pro' } } })).status, 200);
  const started = await weft.api('/v1/flow-instances', { method: 'POST', json: { flow: 'onboarding', subject: 'ada@example.com' } });
  assert.equal(started.status, 201);
  instanceId = started.body.id;

  await page.click('header.top nav >> text=Flows');
  await page.click('#flow-list >> text=Onboarding');
  await page.waitForURL(/\/ui\/w\/default\/flows\/onboarding$/);
  await page.waitForSelector('.react-flow__node');
  assert.equal(await page.locator('.react-flow__node').count(), 5);
  assert.equal(await page.locator('.react-flow__edge').count(), 5);
  assert.equal(await page.locator('.edge-label[data-type="automatic"]').count(), 2);
  assert.equal(await page.locator('.edge-label[data-type="manual"]').count(), 3);
  assert.match((await page.textContent('.edge-label[data-transition="pro-invite"]')) ?? '', /\$\{subject\.plan\} == pro/);
  const styles = await page.$$eval('.react-flow__edge path.react-flow__edge-path', (paths) => paths.map((p) => p.getAttribute('style') ?? ''));
  assert.equal(styles.filter((s) => /stroke-dasharray/.test(s)).length, 2);
  await page.waitForSelector('text=A new user, from welcome to done');
  await page.waitForSelector(`#flow-instances tr[data-instance="${instanceId}"]`);
  await screenshot(page, 'flows');

  await page.selectOption('#flow-version', '1');
  await page.waitForURL(/\/flows\/onboarding\/versions\/1$/);
  await page.waitForSelector('text=first draft');
});

test('an instance colours its steps; a manual transition fired from the page changes it', async () => {
  const { page, weft } = h;
  await page.goto(`${weft.url}/ui/w/default/flows/onboarding`);
  await page.click(`#flow-instances tr[data-instance="${instanceId}"] a`);
  await page.waitForURL(new RegExp(`/flow-instances/${instanceId}$`));
  await page.waitForSelector('[data-step="welcome"][data-state="active"]');
  assert.equal(await page.locator('[data-step][data-state="inactive"]').count(), 4);
  const offered = await page.$$eval('#manual-transitions button', (bs) => bs.map((b) => b.getAttribute('data-transition')).sort());
  assert.deepEqual(offered, ['complete', 'skip']);

  await page.click('#manual-transitions button[data-transition="complete"]');
  await page.waitForSelector('#transition-result:has-text("complete fired")');
  // Through the API: complete, then the automatic pro-invite (ada is on the pro plan).
  const after = (await weft.api(`/v1/flow-instances/${instanceId}`)).body;
  assert.deepEqual(after.active_steps, ['invite']);
  assert.equal(after.steps.profile, 'completed');
  const history = (await weft.api(`/v1/flow-instances/${instanceId}/history`)).body.history;
  assert.deepEqual(history.map((e: any) => e.transition), ['complete', 'pro-invite']);
  assert.match(history[0].request_id, /^ui-/);

  await page.waitForSelector('[data-step="invite"][data-state="active"]');
  assert.equal(await page.locator('#flow-history li').count(), 2);
  assert.deepEqual(await page.$$eval('#manual-transitions button', (bs) => bs.map((b) => b.getAttribute('data-transition'))), ['finish']);
  await screenshot(page, 'flow-instance');
});

test('a transition fired elsewhere shows on the open page without reload', async () => {
  const { page, weft } = h;
  const fired = await weft.api(`/v1/flow-instances/${instanceId}/transitions`, { method: 'POST', json: { transition: 'finish' } });
  assert.equal(fired.status, 200);
  const t0 = Date.now();
  await page.waitForSelector('.panel .badge.status-completed', { timeout: 2000 });
  assert.ok(Date.now() - t0 < 1000, 'pushed within a second');
  await page.waitForSelector('[data-step="done"][data-state="completed"]');
  assert.equal(await page.locator('#manual-transitions').count(), 0);
  await eventually(() => page.locator('#flow-history li').count(), (n) => n === 4, 2000, 'four history entries');
  assert.deepEqual(h.consoleErrors, []);
});

test('a new version and a new flow defined elsewhere show on the open page without reload', async () => {
  const { page, weft } = h;
  await page.goto(`${weft.url}/ui/w/default/flows/onboarding`);
  await page.waitForSelector('text=A new user, from welcome to done');
  // Pushed over /ws/events (flow.defined); the views' own poll is 10 s.
  assert.equal((await weft.api('/v1/flows', { method: 'POST', json: onboarding('third draft') })).status, 201);
  await page.waitForSelector('text=third draft', { timeout: 3000 });
  await page.waitForSelector('#flow-version option[value="3"]', { state: 'attached', timeout: 3000 });
  assert.equal((await weft.api('/v1/flows', { method: 'POST', json: { ...onboarding('another'), identifier: 'offboarding', name: 'Offboarding' } })).status, 201);
  await page.waitForSelector('#flow-list >> text=Offboarding', { timeout: 3000 });
});

test('start an instance from the page, then pause, resume and exit it', async () => {
  const { page, weft } = h;
  await page.goto(`${weft.url}/ui/w/default/flows/onboarding`);
  await page.fill('#start-instance input[aria-label="subject"]', 'bob@example.com');
  await page.click('#start-instance button[type=submit]');
  await page.waitForURL(/\/flow-instances\/[0-9a-f-]{36}$/);
  const id = page.url().split('/').pop()!;
  const api = () => weft.api(`/v1/flow-instances/${id}`).then((r) => r.body);
  assert.equal((await api()).subject, 'bob@example.com');
  await page.waitForSelector('[data-step="welcome"][data-state="active"]');

  await page.click('button:has-text("Pause")');
  await eventually(api, (i) => i.state === 'paused', 3000, 'paused');
  await page.waitForSelector('.panel .badge.status-paused');
  assert.equal(await page.locator('#manual-transitions').count(), 0);
  await page.click('button:has-text("Resume")');
  await eventually(api, (i) => i.state === 'active', 3000, 'active again');
  await page.click('button:has-text("Exit")');
  await page.click('button:has-text("yes, exit")');
  await eventually(api, (i) => i.state === 'exited', 3000, 'exited');
  await page.waitForSelector('.panel .badge.status-exited');

  await page.goto(`${weft.url}/ui/w/default/flows/onboarding`);
  await page.waitForSelector(`#flow-instances tr[data-instance="${id}"]`);
  // The state filter is the server's (`state=`): the list is read again.
  await page.selectOption('select[aria-label="instance state"]', 'exited');
  await page.waitForSelector(`#flow-instances tr[data-instance="${instanceId}"]`, { state: 'detached' });
  await page.waitForSelector(`#flow-instances tr[data-instance="${id}"]`);
  assert.equal(await page.locator('#flow-instances tr[data-instance]').count(), 1);
  await page.selectOption('select[aria-label="instance state"]', '');
  await page.fill('input[aria-label="find subject"]', 'ADA@');
  await page.waitForSelector(`#flow-instances tr[data-instance="${instanceId}"]`);
  await page.waitForSelector(`#flow-instances tr[data-instance="${id}"]`, { state: 'detached' });
  assert.equal(await page.locator(`#flow-instances tr[data-instance="${instanceId}"]`).count(), 1);
  assert.deepEqual(h.consoleErrors, []);
});

test('define a flow from the page: the server messages for a bad schema, then the new flow', async () => {
  const { page, weft } = h;
  await page.goto(`${weft.url}/ui/w/default/flows`);
  const schema = page.locator('textarea[aria-label="flow schema"]');
  await schema.fill(JSON.stringify({ identifier: 'broken', steps: [{ identifier: 'a' }], transitions: [{ identifier: 'go', from: 'a', to: 'nowhere' }] }));
  await page.click('button:has-text("Save flow")');
  await page.waitForSelector('ul.error[role=alert]');
  assert.match((await page.textContent('ul.error')) ?? '', /nowhere/);
  assert.equal((await weft.api('/v1/flows/broken')).status, 404);

  await schema.fill(JSON.stringify({
    identifier: 'checkout',
    name: 'Checkout',
    steps: [{ identifier: 'cart' }, { identifier: 'pay' }, { identifier: 'thanks' }],
    transitions: [{ identifier: 'pay', from: 'cart', to: 'pay' }, { identifier: 'paid', from: 'pay', to: 'thanks', type: 'automatic', condition: '${data.total} > 0' }],
  }));
  await page.click('button:has-text("Save flow")');
  await page.waitForURL(/\/flows\/checkout$/);
  await page.waitForSelector('.react-flow__node');
  assert.equal(await page.locator('.react-flow__node').count(), 3);
  assert.equal((await weft.api('/v1/flows/checkout')).body.version, 1);
  await page.waitForSelector('#flow-list >> text=Checkout');
});

test('only the manual transitions that would fire now are buttons; typed input is taken into account', async () => {
  const { page, weft } = h;
  const gated = {
    identifier: 'gated',
    name: 'Gated',
    steps: [{ identifier: 'start' }, { identifier: 'approved' }, { identifier: 'upgraded' }, { identifier: 'left' }],
    transitions: [
      { identifier: 'approve', from: 'start', to: 'approved', condition: '${input.ok} == true' },
      { identifier: 'upgrade', from: 'start', to: 'upgraded', condition: '${subject.plan} == enterprise' },
      { identifier: 'leave', from: 'start', to: 'left' },
    ],
  };
  assert.equal((await weft.api('/v1/flows', { method: 'POST', json: gated })).status, 201);
  const started = await weft.api('/v1/flow-instances', { method: 'POST', json: { flow: 'gated', subject: 'grace@example.com' } });
  assert.equal(started.status, 201);
  await page.goto(`${weft.url}/ui/w/default/flow-instances/${started.body.id}`);
  await page.waitForSelector('#manual-transitions button[data-transition="leave"]');
  assert.deepEqual(await page.$$eval('#manual-transitions button', (bs) => bs.map((b) => b.getAttribute('data-transition'))), ['leave']);
  assert.match((await page.textContent('#transitions-not-now li[data-transition="upgrade"]')) ?? '', /enterprise/);
  await page.fill('input[aria-label="transition input"]', '{"ok": true}');
  await page.waitForSelector('#manual-transitions button[data-transition="approve"]');
  await page.click('#manual-transitions button[data-transition="approve"]');
  await page.waitForSelector('#transition-result:has-text("approve fired")');
  const after = (await weft.api(`/v1/flow-instances/${started.body.id}`)).body;
  assert.deepEqual([after.state, after.steps.approved, after.steps.left], ['completed', 'completed', 'inactive']);
  assert.deepEqual(h.consoleErrors, []);
});

test('a flow with more instances than the page lists shows the newest, says so, and finds an old one by its full subject', async () => {
  const { page, weft } = h;
  const big = { identifier: 'big', name: 'Big', steps: [{ identifier: 'open' }, { identifier: 'shut' }], transitions: [{ identifier: 'close', from: 'open', to: 'shut' }] };
  assert.equal((await weft.api('/v1/flows', { method: 'POST', json: big })).status, 201);
  const subject = (i: number) => `member-${String(i).padStart(4, '0')}@example.com`;
  const start = (i: number) => weft.api('/v1/flow-instances', { method: 'POST', json: { flow: 'big', subject: subject(i) } });
  for (let i = 0; i < 1200; i += 50) await Promise.all(Array.from({ length: 50 }, (_, k) => start(i + k)));
  // The API's order (created_at, then id): its last one is the newest.
  const newestId = async (count: number) => (await weft.api(`/v1/flow-instances?flow=big&limit=1&offset=${count - 1}`)).body.instances[0].id as string;
  const last = await newestId(1200);

  await page.goto(`${weft.url}/ui/w/default/flows/big`);
  // The newest first: the last one started is on top, the first is not listed.
  await page.waitForSelector(`#flow-instances tbody tr[data-instance="${last}"]:first-child`);
  assert.equal(await page.locator('#flow-instances tr[data-instance]').count(), 500);
  assert.match((await page.textContent('#instances-limit')) ?? '', /newest 500 of 1200 instances/);
  assert.equal(await page.locator(`#flow-instances td:text-is("${subject(0)}")`).count(), 0);

  // One started now (pushed over /ws/flows) shows on top without a reload.
  await start(1200);
  const fresh = await newestId(1201);
  await page.waitForSelector(`#flow-instances tbody tr[data-instance="${fresh}"]:first-child`, { timeout: 3000 });
  assert.match((await page.textContent('#instances-limit')) ?? '', /newest 500 of 1201 instances/);

  // The first one, by its full subject: asked of the server (subject=), so found among all of them.
  await page.fill('input[aria-label="find subject"]', subject(0));
  await page.waitForSelector(`#flow-instances td:text-is("${subject(0)}")`);
  assert.equal(await page.locator('#flow-instances tr[data-instance]').count(), 1);
  assert.match((await page.textContent('#instances-limit')) ?? '', /as a full subject is looked for among all 1201 instances/);
  // Part of a subject: among the newest only.
  await page.fill('input[aria-label="find subject"]', 'member-00');
  await page.waitForSelector('#instances-limit:has-text("“member-00” as a full subject")');
  assert.match((await page.textContent('#instances-limit')) ?? '', /as part of a subject only among the newest 500/);
  assert.equal(await page.locator('#flow-instances tr[data-instance]').count(), 0);
  await page.fill('input[aria-label="find subject"]', 'member-11');
  await page.waitForSelector(`#flow-instances td:text-is("${subject(1100)}")`);
  assert.deepEqual(h.consoleErrors, []);
});
