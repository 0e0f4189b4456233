import { test, describe, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { sqliteBackend } from '../helpers/backends.js';
import { eventually, freshDatabase, startWeft, TEST_KEY, type Database, type RunningWeft } from '../helpers/weft.js';
import { createClient, WeftError, type FlowInstance, type WeftClient } from '../../packages/client/src/index.js';
import { startTcpProxy, type TcpProxy } from './fixtures/tcp-proxy.js';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';

// client.flows.connect() through a TCP proxy that loses connections on purpose.

const chain = {
  identifier: 'chain',
  name: 'Chain',
  steps: [{ identifier: 'a' }, { identifier: 'b' }, { identifier: 'c' }, { identifier: 'd' }, { identifier: 'e' }],
  transitions: [
    { identifier: 'next', from: 'a', to: 'b' },
    { identifier: 'next', from: 'b', to: 'c' },
    { identifier: 'next', from: 'c', to: 'd' },
    { identifier: 'next', from: 'd', to: 'e' },
  ],
};

describe('flows connection (SQLite)', () => {
  let db: Database;
  let weft: RunningWeft;
  let proxy: TcpProxy;
  let n = 0;
  const clients = () => {
    const workspace = `flows-${++n}`;
    return {
      direct: createClient({ url: weft.url, apiKey: TEST_KEY, workspace }),
      proxied: createClient({ url: proxy.url, apiKey: TEST_KEY, workspace }),
    };
  };
  before(async () => {
    db = freshDatabase(sqliteBackend);
    weft = await startWeft(db);
    proxy = await startTcpProxy(weft.url);
  });
  after(async () => {
    await proxy.close();
    await weft.stop();
    await db.cleanup();
  });

  async function setUp(direct: WeftClient, subject = 'ada@example.com') {
    await direct.flows.define(chain);
    return direct.flowInstances.start({ flow: 'chain', subject });
  }

  test('start, identify, get, transition; failures are WeftErrors with the server status and message', async () => {
    const { direct } = clients();
    await direct.flows.define(chain);
    const conn = direct.flows.connect();
    await conn.identify({ subject: 'bob', properties: { plan: 'free' } });
    const started = await conn.start({ flow: 'chain', subject: 'bob' });
    assert.deepEqual(started.active_steps, ['a']);
    const moved = await conn.transition({ flowInstanceId: started.id, transition: 'next', step: 'a' });
    assert.deepEqual(moved.instance.active_steps, ['b']);
    // Typed as the server sends it (lint fails if TransitionResult lacks a field used here).
    assert.deepEqual([moved.result, moved.message, moved.flow_instance_id, moved.transition_schema_identifier], ['success', null, started.id, 'next']);
    assert.deepEqual((await conn.get({ flowInstanceId: started.id })).active_steps, ['b']);
    const subject = await conn.identify({ subject: 'bob' });
    assert.deepEqual(subject.properties, { plan: 'free' });
    const bad = await conn.transition({ flowInstanceId: started.id, transition: 'nope' }).then(() => null, (e: unknown) => e as WeftError);
    assert.ok(bad instanceof WeftError);
    assert.equal(bad.message, 'Invalid transition argument or no active step matches the transition identifier.');
    assert.ok(bad.status >= 400 && bad.status < 500);
    const again = await conn.start({ flow: 'chain', subject: 'bob' }).then(() => null, (e: unknown) => e as WeftError);
    assert.equal(again?.status, 409);
    const errors: WeftError[] = [];
    conn.on('error', (e) => errors.push(e));
    const off = conn.subscribe({ flowInstanceId: '00000000-0000-4000-8000-000000000000' }, () => {});
    await assert.rejects(off.ready, (e: unknown) => e instanceof WeftError && e.status === 404);
    assert.deepEqual(errors, [], 'a refusal heard through ready is not an error event too');
    // Nobody reads ready: the refusal is an error event.
    conn.subscribe({ flowInstanceId: '00000000-0000-4000-8000-000000000001' }, () => {});
    const event = await conn.once('error');
    assert.deepEqual([event.status, event.code], [404, 'WEFT_FLOW_INSTANCE_NOT_FOUND']);
    await conn.close();
  });

  test('a connection lost mid-request resends it with the same request_id: the transition is applied once', async () => {
    const { direct, proxied } = clients();
    const instance = await setUp(direct);
    const conn = proxied.flows.connect({ backoff: { baseMs: 50 } });
    await conn.ready();
    const reconnected = conn.once('open');
    const drops = proxy.drops;
    proxy.dropOnNextServerData();
    const res = await conn.transition({ flowInstanceId: instance.id, transition: 'next' });
    assert.equal(proxy.drops, drops + 1, 'the answer was lost with the connection');
    assert.deepEqual(await reconnected, { reconnected: true });
    assert.deepEqual(res.instance.active_steps, ['b']);
    assert.deepEqual((await direct.flowInstances.get(instance.id)).active_steps, ['b'], 'applied once (twice would be at c)');
    assert.equal((await direct.flowInstances.history(instance.id)).length, 1);
    await conn.close();
  });

  test('a start whose answer was lost answers the instance it created', async () => {
    const { direct, proxied } = clients();
    await direct.flows.define(chain);
    const conn = proxied.flows.connect({ backoff: { baseMs: 50 } });
    await conn.ready();
    proxy.dropOnNextServerData();
    const started = await conn.start({ flow: 'chain', subject: 'carol' });
    assert.deepEqual(started.active_steps, ['a']);
    assert.deepEqual((await direct.flowInstances.list({ subject: 'carol' })).map((i) => i.id), [started.id]);
    await conn.close();
  });

  test('subscriptions resume after a reconnect, with the changes made while the connection was down', async () => {
    const { direct, proxied } = clients();
    const instance = await setUp(direct, 'dave');
    const conn = proxied.flows.connect({ backoff: { baseMs: 50, maxMs: 200 } });
    const byId: number[] = [];
    const bySubject: number[] = [];
    const off = conn.subscribe({ flowInstanceId: instance.id }, (i: FlowInstance) => byId.push(i.seq));
    const offSubject = conn.subscribe({ subject: 'dave' }, (i: FlowInstance) => bySubject.push(i.seq));
    await off.ready;
    await offSubject.ready;
    await direct.flowInstances.transition(instance.id, { transition: 'next' });
    await eventually(() => byId.length, (l) => l === 1, 5000, 'the first change');

    const closed = conn.once('close');
    proxy.refuse = true;
    proxy.dropAll();
    await closed;
    await direct.flowInstances.transition(instance.id, { transition: 'next' });
    const reopened = conn.once('open');
    proxy.refuse = false;
    await reopened;
    await eventually(() => byId.length, (l) => l === 2, 5000, 'the change made while disconnected');
    await direct.flowInstances.transition(instance.id, { transition: 'next' });
    await eventually(() => [byId.length, bySubject.length], ([a, b]) => a === 3 && b === 3, 5000, 'the change after the reconnect');
    assert.deepEqual(byId, [2, 3, 4]);
    assert.deepEqual(bySubject, [2, 3, 4]);

    off();
    offSubject();
    await new Promise((r) => setTimeout(r, 100));
    await direct.flowInstances.transition(instance.id, { transition: 'next' });
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(byId.length, 3, 'nothing after unsubscribe');
    await conn.close();
  });

  test('a subscription to a subject that does not exist yet is renewed after a reconnect without creating it', async () => {
    const { direct, proxied } = clients();
    const instance = await setUp(direct, 'frank');
    const conn = proxied.flows.connect({ backoff: { baseMs: 50, maxMs: 200 } });
    const nobody: number[] = [];
    const frank: number[] = [];
    // Caught up in the order subscribed: once frank's change arrives, nobody's catch-up is over.
    const offNobody = conn.subscribe({ subject: 'nobody-yet' }, (i) => nobody.push(i.seq));
    const offFrank = conn.subscribe({ subject: 'frank' }, (i) => frank.push(i.seq));
    await offNobody.ready;
    await offFrank.ready;
    const closed = conn.once('close');
    proxy.refuse = true;
    proxy.dropAll();
    await closed;
    await direct.flowInstances.transition(instance.id, { transition: 'next' });
    const reopened = conn.once('open');
    proxy.refuse = false;
    await reopened;
    await eventually(() => frank.length, (l) => l === 1, 5000, "frank's change made while disconnected");
    assert.deepEqual(nobody, []);
    await assert.rejects(direct.subjects.get('nobody-yet'), (e: unknown) => e instanceof WeftError && e.status === 404);
    await conn.close();
  });

  test('with requestTimeoutMs, a request that gets no answer fails with WEFT_CLIENT_TIMEOUT', async () => {
    const { direct, proxied } = clients();
    const instance = await setUp(direct, 'erin');
    const conn = proxied.flows.connect({ backoff: { baseMs: 50 }, requestTimeoutMs: 300 });
    await conn.ready();
    const closed = conn.once('close');
    proxy.refuse = true;
    proxy.dropAll();
    await closed;
    try {
      await assert.rejects(conn.transition({ flowInstanceId: instance.id, transition: 'next' }), (e: unknown) => e instanceof WeftError && e.code === 'WEFT_CLIENT_TIMEOUT');
    } finally {
      proxy.refuse = false;
    }
    await conn.close();
    assert.deepEqual((await direct.flowInstances.get(instance.id)).active_steps, ['a']);
  });
});

describe('flows connection against a server that drops or refuses it', () => {
  test('a connection cut as soon as it opens keeps backing off; each resume that outlived its socket stays silent', async () => {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((r) => server.once('listening', r));
    let connections = 0;
    server.on('connection', (socket) => {
      connections++;
      // The first stays a little (a subscription is made on it), every later one is cut at once.
      if (connections === 1) setTimeout(() => socket.terminate(), 300);
      else socket.terminate();
    });
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const conn = createClient({ url, apiKey: TEST_KEY }).flows.connect();
    const opens: boolean[] = [];
    conn.on('open', (e) => opens.push(e.reconnected));
    conn.on('error', () => {});
    try {
      await eventually(async () => connections, (c: number) => c >= 1, 5000, 'first connection');
      void conn.subscribe({ subject: 'ada' }, () => {}).ready.catch(() => {});
      await new Promise((r) => setTimeout(r, 3000));
      // Backoff from 200 ms doubling (jittered down to half): at most ~6 attempts in these 3.3 s; a
      // backoff reset on every open would make ~20.
      assert.ok(connections <= 8, `${connections} connections in 3.3 s`);
      // Only the first connection stayed open long enough to resume: no pile of `open` events.
      assert.deepEqual(opens, [false]);
    } finally {
      await conn.close();
      server.close();
    }
  });

  test('each failed connection attempt is an error event (WEFT_CLIENT_CONNECT), without the key', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    await new Promise<void>((r) => server.close(() => r()));
    const conn = createClient({ url: `http://127.0.0.1:${port}`, apiKey: TEST_KEY }).flows.connect();
    const errors: WeftError[] = [];
    conn.on('error', (e) => errors.push(e));
    try {
      await eventually(async () => errors.length, (n: number) => n >= 2, 5000, 'two failed attempts reported');
      assert.equal(errors[0].code, 'WEFT_CLIENT_CONNECT');
      assert.match(errors[0].message, new RegExp(`^could not connect to ws://127\\.0\\.0\\.1:${port}/ws/flows \\(attempt 1\\)`));
      assert.ok(!errors.some((e) => e.message.includes(TEST_KEY)));
    } finally {
      await conn.close();
    }
  });
});
