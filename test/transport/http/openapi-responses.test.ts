import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Ajv } from 'ajv';
import { sqliteBackend } from '../../helpers/backends.js';
import { freshDatabase, startWeft, type RunningWeft, type Database } from '../../helpers/weft.js';
import { startReceiver, type Receiver } from '../../engine/process/callback-receiver.js';

// The response schemas of /openapi.json (the API reference at /docs and the client's generated
// types) against what the routes answer: every documented property present, none undocumented.
// Responses are rendered by the routes, not by the schemas (serialisation is JSON.stringify), so
// only this test keeps the two alike. The shapes do not depend on the database: SQLite only.

type Schema = Record<string, unknown>;

/**
 * A copy of an OpenAPI schema where every object with properties allows no others and requires them
 * all (unless it says which it requires).
 */
function exact(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(exact);
  if (schema === null || typeof schema !== 'object') return schema;
  const out: Schema = {};
  for (const [k, v] of Object.entries(schema)) out[k] = k === 'properties' ? Object.fromEntries(Object.entries(v as Schema).map(([p, s]) => [p, exact(s)])) : exact(v);
  if (out.properties && out.additionalProperties === undefined) {
    out.required ??= Object.keys(out.properties as Schema);
    out.additionalProperties = false;
  }
  return out;
}

describe('OpenAPI response schemas', () => {
  let db: Database;
  let weft: RunningWeft;
  let rx: Receiver;
  let doc: { paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: unknown }> }> }>> };
  const ajv = new Ajv({ strict: false, allErrors: true });

  before(async () => {
    db = freshDatabase(sqliteBackend);
    rx = await startReceiver();
    weft = await startWeft(db, { WEFT_CALLBACK_RETRY_DELAYS: '0.05,0.05,0.1', WEFT_WORKER_TYPES: 'doc.work' });
    doc = (await weft.api('/openapi.json', { key: null })).body;
  });
  after(async () => {
    await weft.stop();
    await rx.close();
    await db.cleanup();
  });

  /** Calls a route and checks its answer against the document's schema for that status. */
  async function check(method: 'GET' | 'POST' | 'PUT', route: string, path: string, status: number, json?: unknown): Promise<any> {
    const r = await weft.api(path, { method, json, key: route.includes('/proceed') ? null : undefined });
    assert.equal(r.status, status, `${method} ${path}: ${r.text}`);
    const response = doc.paths[route]?.[method.toLowerCase()]?.responses[String(status)];
    assert.ok(response?.content, `${method} ${route} documents no body for ${status}`);
    const [type, { schema }] = Object.entries(response.content)[0];
    assert.ok(r.headers.get('content-type')?.startsWith(type), `${method} ${path}: ${r.headers.get('content-type')} is not ${type}`);
    const validate = ajv.compile(exact(schema) as Schema);
    assert.ok(validate(r.body), `${method} ${path} ${status}: ${ajv.errorsText(validate.errors)}\n${r.text}`);
    return r.body;
  }

  test('processes and definitions', async () => {
    const workflow = ['define', { name: 'doc', revision: '3' }, [['participant', { ref: 'alpha' }, []]]];
    const { id } = await check('POST', '/v1/workflows', '/v1/workflows', 201, { workflow, callback: `${rx.url}/doc`, fields: { a: 1 } });
    const cb = await rx.next((c) => c.body.workflow_id === id && c.body.status === 'active');
    // Once the delivery is recorded, the workitem shows it (the schema allows null before).
    let view: any;
    for (let i = 0; i < 100; i++) {
      view = await check('GET', '/v1/workflows/{wfid}', `/v1/workflows/${id}`, 200);
      if (view.workitems[0]?.delivery?.state === 'delivered') break;
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(view.workitems[0].delivery.state, 'delivered');
    assert.equal(view.revision, '3');
    await check('GET', '/v1/workflows', '/v1/workflows', 200);
    const { deliveries } = await check('GET', '/v1/deliveries', '/v1/deliveries?state=delivered', 200);
    assert.equal(deliveries[0]?.workflow_id, id);
    await check('GET', '/v1/deliveries', '/v1/deliveries?limit=0', 400);
    await check('GET', '/v1/workflows/{wfid}', '/v1/workflows/20990101-0000-nobody-nothing', 404);
    const proceedPath = new URL(cb.body.proceed_url).pathname + new URL(cb.body.proceed_url).search;
    assert.equal(await check('POST', '/v1/workflows/{wfid}/workitems/{workitem_id}/proceed', proceedPath, 201, {}), 'OK');
    await check('POST', '/v1/workflows/{wfid}/cancel', `/v1/workflows/${id}/cancel`, 400);
    await check('GET', '/v1/ping', '/v1/ping', 200);

    await check('POST', '/v1/definitions', '/v1/definitions', 201, { name: 'doc', workflow });
    await check('GET', '/v1/definitions', '/v1/definitions', 200);
    await check('GET', '/v1/definitions/{name}', '/v1/definitions/doc', 200);
    await check('GET', '/v1/definitions/{name}', '/v1/definitions/none', 404);
  });

  test('operations, workspaces and stats', async () => {
    await check('GET', '/healthz', '/healthz', 200);
    await check('GET', '/v1/workspaces', '/v1/workspaces', 200);
    await check('GET', '/v1/stats/counts', '/v1/stats/counts', 200);
    await check('GET', '/v1/stats/throughput', '/v1/stats/throughput?minutes=3', 200);
    await check('GET', '/v1/stats/throughput', '/v1/stats/throughput?minutes=0', 400);
    await check('GET', '/v1/task-types', '/v1/task-types', 200);
    await check('GET', '/endpoints/{id}/state', '/endpoints/none/state', 400);
    await check('GET', '/endpoints/{id}/state', '/endpoints/0123456789abcdef01234567/state', 404);
    const metrics = await weft.api('/metrics');
    assert.equal(metrics.status, 200);
    assert.ok(doc.paths['/metrics'].get.responses['200'].content?.['text/plain']);
  });

  test('tasks', async () => {
    const { task } = await check('POST', '/tasks', '/tasks', 200, { name: 'doc', type: 'doc.work', payload: { a: 1 } });
    await check('GET', '/tasks/{id}', `/tasks/${task.id}`, 200);
    await check('GET', '/tasks/{id}', '/tasks/999999', 404);
    await check('GET', '/tasks/{id}', '/tasks/abc', 400);
    await check('POST', '/v1/tasks/claim', '/v1/tasks/claim', 400, { types: ['doc.work'], max: 101 });
    await check('POST', '/v1/tasks/batch', '/v1/tasks/batch', 200, { tasks: [{ name: 'doc2', type: 'doc.work' }] });
    const claimed = await check('POST', '/v1/tasks/claim', '/v1/tasks/claim', 200, { types: ['doc.work'], max: 1 });
    const [first] = claimed.tasks;
    await check('POST', '/v1/tasks/{id}/heartbeat', `/v1/tasks/${first.id}/heartbeat`, 200, { lease: first.lease });
    await check('POST', '/v1/tasks/{id}/complete', `/v1/tasks/${first.id}/complete`, 200, { lease: first.lease, result: { ok: true } });
    await check('POST', '/v1/tasks/{id}/complete', `/v1/tasks/${first.id}/complete`, 409, { lease: first.lease });
    await check('GET', '/tasks', '/tasks', 200);
    await check('GET', '/v1/task-types', '/v1/task-types', 200);
  });

  test('flows and subjects', async () => {
    const steps = [{ identifier: 'one', name: 'One' }, { identifier: 'two' }];
    const flow = { identifier: 'docflow', name: 'Doc', steps, transitions: [{ identifier: 'next', from: 'one', to: 'two' }] };
    await check('POST', '/v1/flows', '/v1/flows', 201, flow);
    await check('POST', '/v1/flows', '/v1/flows', 400, { identifier: 'docflow', steps: [] });
    await check('GET', '/v1/flows', '/v1/flows', 200);
    await check('GET', '/v1/flows/{identifier}', '/v1/flows/docflow', 200);
    await check('GET', '/v1/flows/{identifier}/versions/{version}', '/v1/flows/docflow/versions/1', 200);
    await check('GET', '/v1/flows/{identifier}/versions/{version}', '/v1/flows/docflow/versions/abc', 400);
    await check('GET', '/v1/flow-instances', '/v1/flow-instances?limit=1001', 400);
    await check('PUT', '/v1/subjects/{key}', '/v1/subjects/ada', 200, { properties: { plan: 'team' } });
    const instance = await check('POST', '/v1/flow-instances', '/v1/flow-instances', 201, { flow: 'docflow', subject: 'ada' });
    await check('GET', '/v1/subjects/{key}', '/v1/subjects/ada', 200);
    await check('GET', '/v1/flow-instances', '/v1/flow-instances', 200);
    await check('GET', '/v1/flow-instances/{id}', `/v1/flow-instances/${instance.id}`, 200);
    const offered = await check('GET', '/v1/flow-instances/{id}/transitions', `/v1/flow-instances/${instance.id}/transitions`, 200);
    assert.deepEqual(offered.transitions.map((t: { identifier: string }) => t.identifier), ['next']);
    await check('GET', '/v1/flow-instances/{id}/transitions', `/v1/flow-instances/${instance.id}/transitions?input=nope`, 400);
    await check('POST', '/v1/flow-instances/{id}/transitions', `/v1/flow-instances/${instance.id}/transitions`, 200, { transition: 'next', request_id: 'doc-1' });
    await check('GET', '/v1/flow-instances/{id}/history', `/v1/flow-instances/${instance.id}/history`, 200);
  });

  test('endpoints', async () => {
    const definition = { name: 'Doc', endpoint: { pattern: '/doc', method: 'POST' }, transformation: { input: 'JSON', output: 'JSON' } };
    const stored = await check('POST', '/endpoints', '/endpoints', 201, definition);
    await check('GET', '/endpoints', '/endpoints', 200);
    await check('GET', '/endpoints/{id}', `/endpoints/${stored._id}`, 200);
    await check('GET', '/endpoints/{id}/state', `/endpoints/${stored._id}/state`, 200);
  });
});
