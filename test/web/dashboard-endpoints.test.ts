import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TEST_KEY } from '../helpers/weft.js';
import { signIn, startHarness, screenshot, type Harness } from './browser-harness.js';

// The Endpoints view: list, definition, and the try-it form calling a real endpoint whose lookup
// goes to a stub registry on loopback.

let h: Harness & { consoleErrors: string[] };
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
  await page.waitForSelector('#endpoint-state');
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
