import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TEST_KEY } from '../helpers/weft.js';
import { signIn, startHarness, screenshot, type Harness } from './browser-harness.js';

// The Endpoints view: list, definition, and the try-it form calling a real endpoint whose lookup
// goes to a stub registry on loopback.

let h: Harness;
let stub: Server;
let stubUrl = '';
let endpointId = '';

before(async () => {
  stub = createServer((req, res) => {
    const id = (req.url ?? '').split('/')[2];
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ id, name: id === '42' ? 'Jane Doe' : 'Someone' }));
  });
  await new Promise<void>((r) => stub.listen(0, '127.0.0.1', r));
  stubUrl = `http://127.0.0.1:${(stub.address() as AddressInfo).port}`;
  h = await startHarness();
  await signIn(h.page, h.weft.url, TEST_KEY);
  const created = await h.weft.api('/endpoints', {
    method: 'POST',
    json: {
      name: 'patient-greeting',
      description: 'Greets a patient by the name the registry knows',
      endpoint: { pattern: '/patients/:id/greet', method: 'POST' },
      transformation: { input: 'JSON', output: 'JSON' },
      requests: { lookup: [{ id: 'registry', config: { method: 'get', url: `${stubUrl}/patients/:id`, params: { url: { id: { path: 'urlParams.id' } } } } }] },
      inputMapping: { 'lookupRequests.registry.data.name': 'patient.name', 'requestBody.greeting': 'patient.greeting' },
      state: { extract: { requestBody: { greeting: 'greeting' } } },
    },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  endpointId = created.body._id;
});
after(async () => {
  await h?.stop();
  await new Promise((r) => stub.close(r));
});

test('the endpoint list opens a definition; the try-it form returns the endpoint response', async () => {
  const { page, weft } = h;
  await page.click('header.top nav >> text=Endpoints');
  await page.click(`#endpoint-list li[data-endpoint="${endpointId}"] a`);
  await page.waitForURL(new RegExp(`/ui/w/default/endpoints/${endpointId}$`));
  assert.match((await page.textContent('#endpoint-facts')) ?? '', /POST \/patients\/:id\/greet[\s\S]*JSON → JSON[\s\S]*registry/);

  await page.fill('input[aria-label="param id"]', '42');
  await page.fill('textarea[aria-label="request body"]', '{"greeting": "Good morning"}');
  await page.click('#try-it button[type=submit]');
  const box = await page.waitForSelector('#try-it-response');
  assert.equal(await box.getAttribute('data-status'), '200');
  const shown = JSON.parse((await page.textContent('#try-it-response pre')) ?? 'null');
  // The same call from outside gives the same answer.
  const direct = await weft.api('/w/default/patients/42/greet', { method: 'POST', json: { greeting: 'Good morning' } });
  assert.equal(direct.status, 200);
  assert.deepEqual(shown, direct.body);
  assert.deepEqual(shown, { patient: { name: 'Jane Doe', greeting: 'Good morning' } });
});

test('the saved state panel shows the record the try-it call saved, and a call from outside without reload', async () => {
  const { page, weft } = h;
  // One record per request served: the first test's try-it call and its call from outside.
  await page.waitForSelector('#endpoint-state[data-records="2"]');
  await page.fill('textarea[aria-label="request body"]', '{"greeting": "Good afternoon"}');
  await page.click('#try-it button[type=submit]');
  await page.waitForSelector('#try-it-response[data-status="200"]:has-text("Good afternoon")');
  // Saved after the reply went out: the panel catches up on endpoint.served.
  await page.waitForSelector('#endpoint-state[data-records="3"]', { timeout: 1000 });
  const saved = (await weft.api(`/endpoints/${endpointId}/state`)).body.records;
  assert.equal(saved.length, 3);
  assert.deepEqual(saved[0].record.requestBody, { greeting: 'Good afternoon' });
  const shown = JSON.parse((await page.textContent('#endpoint-state .state-record:first-child pre')) ?? 'null');
  assert.deepEqual(shown, saved[0].record);

  const pushedBefore = h.events.length;
  const direct = await weft.api('/w/default/patients/7/greet', { method: 'POST', json: { greeting: 'Good evening' } });
  assert.equal(direct.status, 200);
  await page.waitForSelector('#endpoint-state[data-records="4"]', { timeout: 1000 });
  assert.match((await page.textContent('#endpoint-state .state-record:first-child pre')) ?? '', /Good evening/);
  assert.ok(h.events.slice(pushedBefore).some((e) => e.event === 'endpoint.served' && e.data.id === endpointId), 'endpoint.served pushed');
  await screenshot(page, 'endpoints', true);
});

test('without the key the try-it form shows the refusal', async () => {
  const { page } = h;
  await page.uncheck('#try-it input[type=checkbox]');
  await page.click('#try-it button[type=submit]');
  await page.waitForSelector('#try-it-response[data-status="403"]');
  assert.match((await page.textContent('#try-it-response pre')) ?? '', /Forbidden/);
  assert.deepEqual(h.consoleErrors, []);
});

test('create an endpoint from the page (the server message for a bad one first), call it, delete it', async () => {
  const { page, weft } = h;
  await page.goto(`${weft.url}/ui/w/default/endpoints`);
  const definition = page.locator('textarea[aria-label="endpoint definition"]');
  const example = await definition.inputValue();
  await definition.fill(JSON.stringify({ name: 'bad', endpoint: { pattern: '/x/:' } }));
  await page.click('button:has-text("Create endpoint")');
  await page.waitForSelector('p.error');
  assert.match((await page.textContent('p.error')) ?? '', /^Create endpoint failed:/);

  await definition.fill(example);
  await page.click('button:has-text("Create endpoint")');
  await page.waitForURL(/\/endpoints\/[0-9a-f]{24}$/);
  const id = page.url().split('/').pop()!;
  assert.equal((await weft.api(`/endpoints/${id}`)).body.name, 'hello');
  await page.fill('input[aria-label="param name"]', 'ada');
  await page.fill('textarea[aria-label="request body"]', '{"greeting": "hi"}');
  await page.click('#try-it button[type=submit]');
  await page.waitForSelector('#try-it-response[data-status="200"]');
  assert.deepEqual(JSON.parse((await page.textContent('#try-it-response pre')) ?? 'null'), { message: { greeting: 'hi' } });

  const refusedBefore = h.refusals.length;
  await page.click('button:has-text("Delete")');
  await page.click('button:has-text("yes, delete")');
  await page.waitForURL(/\/endpoints$/);
  assert.equal((await weft.api(`/endpoints/${id}`)).status, 404);
  await page.waitForSelector(`#endpoint-list li[data-endpoint="${id}"]`, { state: 'detached' });
  // The page left before anything was read again: the deleted endpoint and its state were not asked for.
  assert.deepEqual(h.refusals.slice(refusedBefore), []);
  assert.deepEqual(h.consoleErrors, []);
});

test('an endpoint deleted elsewhere shows as deleted on its open page, without a Delete button or a 404', async () => {
  const { page, weft } = h;
  const created = await weft.api('/endpoints', { method: 'POST', json: { name: 'short-lived', endpoint: { pattern: '/short', method: 'GET' }, transformation: { output: 'JSON' } } });
  assert.equal(created.status, 201);
  const id = created.body._id as string;
  await page.goto(`${weft.url}/ui/w/default/endpoints/${id}`);
  await page.waitForSelector('#endpoint-facts');
  await page.waitForSelector('#endpoint-state');
  const refusedBefore = h.refusals.length;
  assert.equal((await weft.api(`/endpoints/${id}`, { method: 'DELETE' })).status, 200);
  // Pushed (endpoint.changed): the page shows it within the views' usual second.
  await page.waitForSelector('#endpoint-gone:has-text("deleted")', { timeout: 3000 });
  assert.equal(await page.locator('button:has-text("Delete")').count(), 0);
  assert.equal(await page.locator('#endpoint-facts, #try-it, #endpoint-state').count(), 0);
  await page.waitForSelector(`#endpoint-list li[data-endpoint="${id}"]`, { state: 'detached' });
  assert.deepEqual(h.refusals.slice(refusedBefore), []);
  // An address of an endpoint that never was says so.
  await page.goto(`${weft.url}/ui/w/default/endpoints/0123456789abcdef01234567`);
  await page.waitForSelector('#endpoint-gone:has-text("no endpoint")');
  assert.deepEqual(h.consoleErrors, []);
});
