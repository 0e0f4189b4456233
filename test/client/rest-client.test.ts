import { test, describe, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { sqliteBackend } from '../helpers/backends.js';
import { freePort } from '../helpers/child-weft.js';
import { freshDatabase, startWeft, TEST_KEY, type Database, type RunningWeft } from '../helpers/weft.js';
import { createClient, WeftError } from '../../packages/client/src/index.js';
import { startTcpProxy } from './fixtures/tcp-proxy.js';

describe('createClient against a real weft (SQLite)', () => {
  let db: Database;
  let weft: RunningWeft;
  before(async () => {
    db = freshDatabase(sqliteBackend);
    weft = await startWeft(db, { WEFT_WORKER_TYPES: 'email.send' });
  });
  after(async () => {
    await weft.stop();
    await db.cleanup();
  });

  test('tasks: create, get, list, delete; errors carry status, code and message', async () => {
    const client = createClient({ url: weft.url, apiKey: TEST_KEY, workspace: 'rest-tasks' });
    const task = await client.tasks.create({ name: 'welcome', type: 'email.send', payload: { to: 'ada@example.com' } });
    assert.equal(task.status, 'queued');
    assert.deepEqual(task.payload, { to: 'ada@example.com' });
    assert.equal((await client.tasks.get(task.id)).name, 'welcome');
    assert.deepEqual((await client.tasks.list()).map((t) => t.id), [task.id]);
    await client.tasks.delete(task.id);
    const err = await client.tasks.get(task.id).then(() => null, (e: unknown) => e);
    assert.ok(err instanceof WeftError);
    assert.equal(err.status, 404);
    assert.equal(err.code, 'WEFT_TASK_NOT_FOUND');
    assert.equal(err.message, `task ${task.id} not found`);
    const bad = await client.tasks.create({ name: 'x', type: 'nope' }).then(() => null, (e: unknown) => e as WeftError);
    assert.equal(bad?.status, 400);
    assert.equal(bad?.message, 'invalid task type');
    const keyed = await client.tasks.create({ name: 'once', type: 'email.send' }, { idempotencyKey: 'once-1' });
    assert.equal((await client.tasks.create({ name: 'once', type: 'email.send' }, { idempotencyKey: 'once-1' })).id, keyed.id);
    const reused = await client.tasks.create({ name: 'twice', type: 'email.send' }, { idempotencyKey: 'once-1' }).then(() => null, (e: unknown) => e as WeftError);
    assert.deepEqual([reused?.status, reused?.code], [422, 'WEFT_IDEMPOTENCY_KEY_REUSED']);
    await client.tasks.delete(keyed.id);

    const many = await client.tasks.createMany([
      { name: 'a', type: 'email.send' },
      { name: 'b', type: 'email.send', payload: { n: 2 } },
    ]);
    assert.deepEqual(
      many.map((t) => [t.name, t.status]),
      [
        ['a', 'queued'],
        ['b', 'queued'],
      ],
    );
    assert.equal(many[1].id, many[0].id + 1);
    const refused = await client.tasks.createMany([{ name: 'c', type: 'email.send' }, { name: '', type: 'email.send' }]).then(() => null, (e: unknown) => e as WeftError);
    assert.equal(refused?.code, 'WEFT_TASK_BATCH_INVALID');
    assert.equal(refused?.message, 'tasks[1]: name is required');
  });

  test('a delete whose answer was lost is retried, and the 404 of the retry counts as deleted', async () => {
    const proxy = await startTcpProxy(weft.url);
    try {
      const client = createClient({ url: proxy.url, apiKey: TEST_KEY, workspace: 'rest-delete', retry: { baseMs: 1 } });
      const task = await client.tasks.create({ name: 'doomed', type: 'email.send' });
      proxy.dropOnNextServerData();
      await client.tasks.delete(task.id);
      assert.equal(proxy.drops, 1, 'the first answer was lost');
      await assert.rejects(client.tasks.get(task.id), (e: unknown) => e instanceof WeftError && e.code === 'WEFT_TASK_NOT_FOUND');
      // Without a lost answer, a delete of no task is still refused.
      await assert.rejects(client.tasks.delete(task.id), (e: unknown) => e instanceof WeftError && e.status === 404 && e.code === 'WEFT_TASK_NOT_FOUND');
    } finally {
      await proxy.close();
    }
  });

  test('tasks.watch streams the task array and follows changes', async () => {
    const client = createClient({ url: weft.url, apiKey: TEST_KEY, workspace: 'rest-watch' });
    const frames: string[][] = [];
    const watch = client.tasks.watch((tasks) => frames.push(tasks.map((t) => t.name)));
    try {
      const deadline = Date.now() + 5000;
      while (frames.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.deepEqual(frames[0], []);
      await client.tasks.create({ name: 'watched', type: 'email.send' });
      while (!frames.some((f) => f.includes('watched')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.ok(frames.some((f) => f.includes('watched')));
    } finally {
      watch.close();
    }
  });

  test('events.watch pushes process changes after commit', async () => {
    const client = createClient({ url: weft.url, apiKey: TEST_KEY, workspace: 'rest-events' });
    const seen: string[] = [];
    const watch = client.events.watch((e) => {
      if (e.event === 'process.changed') seen.push(`${e.data.wfid}:${e.data.status}`);
    });
    try {
      // The socket must be open before the change: wait until a task change is pushed.
      let opened = false;
      const probe = client.events.watch((e) => void (e.event === 'task.changed' && (opened = true)));
      const deadline = Date.now() + 5000;
      while (!opened && Date.now() < deadline) {
        await client.tasks.create({ name: 'probe', type: 'email.send' });
        await new Promise((r) => setTimeout(r, 50));
      }
      probe.close();
      const { id } = await client.workflows.launch({ workflow: ['define', {}, [['echo', { hi: null }, []]]], callback: 'http://127.0.0.1:9/' });
      while (!seen.includes(`${id}:completed`) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.ok(seen.includes(`${id}:completed`), JSON.stringify(seen));
    } finally {
      watch.close();
    }
  });

  test('stats and the task catalog', async () => {
    const client = createClient({ url: weft.url, apiKey: TEST_KEY, workspace: 'rest-stats' });
    await client.tasks.create({ name: 'counted', type: 'email.send' });
    const counts = await client.stats.counts();
    assert.equal(counts.tasks.queued, 1);
    assert.equal(typeof counts.endpoints, 'number');
    const minutes = await client.stats.throughput(5);
    assert.equal(minutes.length, 5);
    const types = await client.tasks.types();
    assert.deepEqual(types.find((t) => t.type === 'email.send')?.runner, 'worker');
    assert.ok(types.some((t) => t.type === 'gx.tiny' && t.runner === 'builtin'));
    await assert.rejects(client.stats.throughput(0), (e: unknown) => e instanceof WeftError && e.status === 400 && e.code === 'WEFT_STATS_QUERY_INVALID');
  });

  test('a wrong key is a 403 WeftError', async () => {
    const client = createClient({ url: weft.url, apiKey: 'not-a-key' });
    await assert.rejects(client.tasks.list(), (e: unknown) => e instanceof WeftError && e.status === 403 && e.code === 'WEFT_FORBIDDEN');
  });

  test('workspaces are separate', async () => {
    const a = createClient({ url: weft.url, apiKey: TEST_KEY, workspace: 'ws-a' });
    const b = createClient({ url: weft.url, apiKey: TEST_KEY, workspace: 'ws-b' });
    await a.tasks.create({ name: 'only-a', type: 'email.send' });
    assert.equal((await b.tasks.list()).length, 0);
    assert.ok((await a.workspaces()).some((w) => w.id === 'ws-b'));
  });

  test('flows: define, subjects, start, transition (applied once per request_id), history', async () => {
    const client = createClient({ url: weft.url, apiKey: TEST_KEY, workspace: 'rest-flows' });
    const flow = await client.flows.define({
      identifier: 'onboarding',
      name: 'Onboarding',
      steps: [{ identifier: 'welcome' }, { identifier: 'profile' }, { identifier: 'done' }],
      transitions: [
        { identifier: 'next', from: 'welcome', to: 'profile' },
        { identifier: 'next', from: 'profile', to: 'done' },
      ],
    });
    assert.equal(flow.version, 1);
    assert.equal((await client.flows.get('onboarding')).identifier, 'onboarding');
    assert.equal((await client.flows.get('onboarding', 1)).version, 1);
    await client.subjects.put('ada@example.com', { properties: { plan: 'pro' } });
    const instance = await client.flowInstances.start({ flow: 'onboarding', subject: 'ada@example.com' });
    assert.deepEqual(instance.active_steps, ['welcome']);
    const offered = await client.flowInstances.transitionsNow(instance.id, { any: 'input' });
    assert.deepEqual(offered, [{ identifier: 'next', from: 'welcome', to: 'profile', condition: null, available: true, reason: null }]);
    const first = await client.flowInstances.transition(instance.id, { transition: 'next', request_id: 'r-1' });
    assert.deepEqual(first.instance.active_steps, ['profile']);
    const again = await client.flowInstances.transition(instance.id, { transition: 'next', request_id: 'r-1' });
    assert.deepEqual(again.instance.active_steps, ['profile']);
    assert.equal((await client.flowInstances.history(instance.id)).length, 1);
    const subject = await client.subjects.get('ada@example.com');
    assert.deepEqual(subject.properties, { plan: 'pro' });
    assert.equal(subject.instances.length, 1);
    assert.equal((await client.flowInstances.list({ flow: 'onboarding' })).length, 1);
    const failure = await client.flowInstances.transition(instance.id, { transition: 'nope' }).then(() => null, (e: unknown) => e as WeftError);
    assert.ok(failure instanceof WeftError);
    assert.equal(failure.message, 'Invalid transition argument or no active step matches the transition identifier.');
    assert.ok(failure.errors.length >= 1);
    const dup = await client.flowInstances.start({ flow: 'onboarding', subject: 'ada@example.com' }).then(() => null, (e: unknown) => e as WeftError);
    assert.equal(dup?.status, 409);
    const exited = await client.flowInstances.exit(instance.id);
    assert.equal(exited.state, 'exited');
  });

  test('endpoints: create, list by field, get, update, call, delete; errors in the mediator wording', async () => {
    const client = createClient({ url: weft.url, apiKey: TEST_KEY, workspace: 'rest-endpoints' });
    const created = await client.endpoints.create({
      name: 'echo',
      endpoint: { pattern: '/echo/:word', method: 'GET' },
      transformation: { output: 'JSON' },
      inputMapping: { 'urlParams.word': 'said' },
    });
    assert.match(created._id, /^[0-9a-f]{24}$/);
    assert.deepEqual((await client.endpoints.list({ name: 'echo' })).map((e) => e._id), [created._id]);
    assert.deepEqual(await client.endpoints.list({ name: 'other' }), []);
    assert.equal((await client.endpoints.get(created._id)).name, 'echo');
    const answer = await client.endpoints.call<{ said: string }>('/echo/hello');
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.body, { said: 'hello' });
    assert.ok(Array.isArray(await client.endpoints.state(created._id, 5)));
    const updated = await client.endpoints.update(created._id, { description: 'says it back' });
    assert.equal(updated.description, 'says it back');
    const dup = await client.endpoints.create({ name: 'echo', endpoint: { pattern: '/other', method: 'GET' }, transformation: { output: 'JSON' } }).then(() => null, (e: unknown) => e as WeftError);
    assert.equal(dup?.status, 400);
    assert.match(dup?.message ?? '', /Duplicate error: an endpoint named 'echo' already exists/);
    assert.deepEqual(await client.endpoints.delete(created._id), { message: `Endpoint with ID '${created._id}' deleted` });
    await assert.rejects(client.endpoints.call('/echo/hello'), (e: unknown) => e instanceof WeftError && e.status === 404);
    assert.ok((await client.endpoints.uptime()).milliseconds > 0);
  });

  test('workflows.deliveries lists the failing one; workflows.redeliver sends it now instead of at its next retry (30 s away)', async () => {
    const client = createClient({ url: weft.url, apiKey: TEST_KEY, workspace: 'rest-redeliver' });
    let hits = 0;
    const stub = createServer((_req, res) => {
      hits++;
      res.writeHead(503).end();
    });
    await new Promise<void>((r) => stub.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(stub.address() as { port: number }).port}/`;
      const { id } = await client.workflows.launch({ workflow: ['define', {}, [['participant', { ref: 'alpha' }, []]]], callback: url }, { idempotencyKey: 'redeliver-1' });
      assert.equal((await client.workflows.launch({ workflow: ['define', {}, [['participant', { ref: 'alpha' }, []]]], callback: url }, { idempotencyKey: 'redeliver-1' })).id, id);
      const first = await pollUntil(() => client.workflows.get(id), (p) => (p.workitems[0]?.delivery?.attempts ?? 0) >= 1);
      assert.equal(hits, 1);
      const [failing] = await client.workflows.deliveries({ failing: true });
      assert.deepEqual([failing.workflow_id, failing.state, failing.attempts, failing.last_error], [id, 'pending', 1, 'HTTP 503']);
      assert.deepEqual(await client.workflows.deliveries({ state: 'delivered' }), []);
      await client.workflows.redeliver(id, first.workitems[0].workitem_id);
      await pollUntil(async () => hits, (h) => h >= 2);
      assert.equal(hits, 2);
      await client.workflows.kill(id);
    } finally {
      await new Promise<void>((r) => stub.close(() => r()));
    }
  });

  test('workflows and definitions', async () => {
    const client = createClient({ url: weft.url, apiKey: TEST_KEY, workspace: 'rest-workflows' });
    const saved = await client.definitions.save({ name: 'hello', workflow: ['define', {}, [['echo', { hello: null }, []]]] });
    assert.equal(saved.revision, 1);
    assert.equal((await client.definitions.get('hello')).name, 'hello');
    assert.equal((await client.definitions.list()).length, 1);
    const { id } = await client.workflows.launch({ definition: 'hello', callback: 'http://127.0.0.1:9/unused' });
    const wf = await pollUntil(() => client.workflows.get(id), (p) => p.status !== 'running');
    assert.equal(wf.status, 'completed');
    assert.deepEqual(wf.trace, ['hello']);
    assert.ok((await client.workflows.list()).some((p) => p.id === id));
    const missing = await client.workflows.launch({ callback: 'http://127.0.0.1:9/' }).then(() => null, (e: unknown) => e as WeftError);
    assert.equal(missing?.status, 400);
    assert.equal(missing?.message, 'workflow is missing');
    assert.deepEqual(await client.ping(), { ping: 'pong' });
  });
});

async function pollUntil<T>(fn: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (ok(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('retries (a stub server on loopback)', () => {
  let server: Server;
  let url: string;
  const script: ((req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => void)[] = [];
  let hits = 0;
  before(async () => {
    server = createServer((req, res) => {
      hits++;
      const step = script.shift();
      if (step) return step(req, res);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ tasks: [] }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const addr = server.address() as { port: number };
    url = `http://127.0.0.1:${addr.port}`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  test('503 and 429 are retried, honouring Retry-After', async () => {
    hits = 0;
    script.push((_q, res) => res.writeHead(503, { 'retry-after': '0' }).end());
    script.push((_q, res) => res.writeHead(429, { 'retry-after': '0.1', 'weft-error-code': 'WEFT_LIMIT' }).end('{"message":"slow down"}'));
    const client = createClient({ url, apiKey: 'k', retry: { baseMs: 1 } });
    const started = Date.now();
    assert.deepEqual(await client.tasks.list(), []);
    assert.equal(hits, 3);
    assert.ok(Date.now() - started >= 100, 'waited for Retry-After');
  });

  test('retries are bounded; the last answer is thrown as a WeftError', async () => {
    hits = 0;
    for (let i = 0; i < 3; i++) script.push((_q, res) => res.writeHead(503, { 'weft-error-code': 'WEFT_SHUTTING_DOWN', 'content-type': 'application/json' }).end('{"message":"the server is shutting down"}'));
    const client = createClient({ url, apiKey: 'k', retry: { retries: 2, baseMs: 1 } });
    await assert.rejects(client.tasks.list(), (e: unknown) => e instanceof WeftError && e.status === 503 && e.code === 'WEFT_SHUTTING_DOWN' && e.message === 'the server is shutting down');
    assert.equal(hits, 3);
  });

  test("a proxy's HTML error page is a short message; the page is the error's body", async () => {
    const page = `<html><head><title>502 Bad Gateway</title></head><body>${'<p>the upstream is gone</p>\n'.repeat(100)}</body></html>`;
    script.push((_q, res) => res.writeHead(502, { 'content-type': 'text/html' }).end(page));
    const client = createClient({ url, apiKey: 'k' });
    const err = await client.tasks.list().then(() => null, (e: unknown) => e as WeftError);
    assert.deepEqual([err?.status, err?.code, err?.body], [502, 'HTTP_502', page]);
    assert.match(err!.message, /^HTTP 502: <html><head><title>502 Bad Gateway<\/title>.{40,}…$/);
    assert.ok(err!.message.length < 120, err!.message);
  });

  test('a network error is retried for reads, not for a POST that may have been applied', async () => {
    hits = 0;
    script.push((req) => req.socket.destroy());
    const client = createClient({ url, apiKey: 'k', retry: { baseMs: 1 } });
    assert.deepEqual(await client.tasks.list(), []);
    assert.equal(hits, 2);
    hits = 0;
    script.push((req) => req.socket.destroy());
    await assert.rejects(client.tasks.create({ name: 'n', type: 't' }), (e: unknown) => e instanceof WeftError && e.status === 0 && e.code === 'WEFT_CLIENT_NETWORK');
    assert.equal(hits, 1);
  });

  test('a refused connection is retried even for a POST, and ends in a WeftError', async () => {
    const client = createClient({ url: `http://127.0.0.1:${await freePort()}`, apiKey: 'k', retry: { retries: 2, baseMs: 1 } });
    await assert.rejects(client.tasks.create({ name: 'n', type: 't' }), (e: unknown) => e instanceof WeftError && e.code === 'WEFT_CLIENT_NETWORK' && /ECONNREFUSED/.test(e.message));
  });
});
