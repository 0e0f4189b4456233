import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { backends } from '../helpers/backends.js';
import { freshDatabase, openStore, type Database } from '../helpers/weft.js';
import { rawExec } from '../helpers/raw-sql.js';
import type { Store } from '../../src/storage/store.js';
import type { MutateAnswer } from '../../src/storage/flow-store.js';
import { compileFlowSchema, startInstance, type FlowResult, type FlowSchemaVersionBody } from '../../src/core/flow/index.js';

// The flow store contract on every backend. Two Store objects over one database stand for two
// nodes: their writes to one instance must serialise on the row, not only inside one process.

function schema(identifier: string, steps: string[], transitions: Array<[string, string, string]>): FlowSchemaVersionBody {
  const r = compileFlowSchema({ identifier, steps: steps.map((s) => ({ identifier: s })), transitions: transitions.map(([id, from, to]) => ({ identifier: id, from, to })) });
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.schema;
}

for (const backend of await backends()) {
  describe(`flow store contract on ${backend.name}`, () => {
    let db: Database;
    let store: Store;
    let node2: Store;
    let ws: number;
    let ws2: number;
    let n = 0;
    const now = () => 1_700_000_000_000 + ++n;
    let ids = 0;
    const newId = () => `00000000-0000-4000-8000-${String(++ids).padStart(12, '0')}`;
    const start = (s: Store, w: number, flow: string, subject: string) =>
      s.flows.startInstance(w, { id: newId(), flow, subject, now: now(), start: (body, props) => startInstance(body, { subject: props, now: n }) });

    before(async () => {
      db = freshDatabase(backend);
      store = await openStore(db);
      node2 = await openStore(db);
      await store.auth.createKey({ id: 'k1', hash: 'h1', prefix: 'p1', name: null, now: now() });
      ws = (await store.auth.resolveWorkspace('k1', 'a', now())).pk;
      ws2 = (await store.auth.resolveWorkspace('k1', 'b', now())).pk;
    });
    after(async () => {
      await node2.close();
      await store.close();
      await db.cleanup();
    });

    test('schema versions count from 1 per (workspace, identifier), also when two nodes post at once', async () => {
      const body = schema('versions', ['a', 'b'], [['go', 'a', 'b']]);
      const made = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? node2 : store).flows.insertSchema(ws, body, now())));
      assert.deepEqual(
        made.map((m) => m.version).sort((x, y) => x - y),
        [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
      );
      assert.equal((await store.flows.insertSchema(ws2, body, now())).version, 1);
      assert.equal((await store.flows.getSchema(ws, 'versions', null))!.version, 10);
      assert.deepEqual((await store.flows.getSchema(ws, 'versions', 3))!.body, body);
      assert.equal(await store.flows.getSchema(ws, 'versions', 11), null);
      await store.flows.insertSchema(ws, schema('another', ['x'], []), now());
      assert.deepEqual(
        (await store.flows.listSchemas(ws)).map((s) => [s.identifier, s.version]),
        [
          ['another', 1],
          ['versions', 10],
        ],
      );
    });

    test('one instance per (workspace, subject, flow), whichever node starts it', async () => {
      await store.flows.insertSchema(ws, schema('once', ['a', 'b'], [['go', 'a', 'b']]), now());
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => start(i % 2 ? node2 : store, ws, 'once', 'sam')));
      const started = results.filter((r) => r.kind === 'started');
      assert.equal(started.length, 1);
      const winner = started[0].kind === 'started' ? started[0].instance.id : '';
      assert.ok(results.every((r) => r.kind === 'started' || (r.kind === 'exists' && r.id === winner)));
      assert.equal((await start(store, ws, 'nope', 'sam')).kind, 'flow_not_found');
      // The subject was created on the way, with empty properties.
      assert.deepEqual((await store.flows.getSubject(ws, 'sam'))!.properties, {});
      assert.equal((await store.flows.getInstance(ws2, winner)), null);
      assert.equal(await store.flows.history(ws2, winner), null);
    });

    test('concurrent changes to one instance from two nodes serialise on its row: none lost, none applied twice', async () => {
      await store.flows.insertSchema(ws, schema('counter', ['a', 'b'], [['tick', 'a', 'b']]), now());
      const r = await start(store, ws, 'counter', 'tess');
      assert.equal(r.kind, 'started');
      const id = r.kind === 'started' ? r.instance.id : '';
      // Each change reads data.n and writes n + 1: a lost update would leave n short of 40.
      const tick = (s: Store, k: number) =>
        s.flows.mutateInstance(ws, id, {
          requestId: `tick-${k}`,
          now: now(),
          decide: ({ instance }): FlowResult => {
            const count = (instance.data as { n?: number }).n ?? 0;
            return {
              ok: true,
              next: { state: instance.state, steps: instance.steps, data: { n: count + 1 } },
              applied: [{ transition: 'tick', from: 'a', to: 'a', type: 'manual', requestId: `tick-${k}`, at: n }],
            };
          },
          outcome: (a) => (a.ok ? { seq: a.instance.seq, data: a.instance.data, updatedAt: a.instance.updatedAt } : a),
        });
      const done = await Promise.all(Array.from({ length: 40 }, (_, k) => tick(k % 2 ? node2 : store, k)));
      assert.ok(done.every((d) => d.kind === 'done'));
      const after = (await store.flows.getInstance(ws, id))!;
      assert.deepEqual([after.data, after.seq], [{ n: 40 }, 41]);
      const history = (await node2.flows.history(ws, id))!;
      assert.equal(history.length, 40);
      assert.deepEqual(
        history.map((h) => h.seq),
        Array.from({ length: 40 }, (_, k) => k + 2),
      );

      // A request id seen before: the first answer (the instance as that change left it, not as it is
      // now), and the decision is not run again.
      const replay = await node2.flows.mutateInstance(ws, id, {
        requestId: 'tick-3',
        now: now(),
        decide: () => assert.fail('a replay must not decide again'),
        outcome: (a) => (a.ok ? { seq: a.instance.seq, data: a.instance.data, updatedAt: a.instance.updatedAt } : a),
      });
      assert.equal(replay.kind, 'replay');
      assert.deepEqual(replay.kind === 'replay' ? replay.outcome : null, done[3].kind === 'done' ? done[3].outcome : undefined);
      assert.equal((await store.flows.getInstance(ws, id))!.seq, 41);
    });

    test('a failed decision changes nothing but its outcome is kept under the request id', async () => {
      await store.flows.insertSchema(ws, schema('fails', ['a', 'b'], [['go', 'a', 'b']]), now());
      const r = await start(store, ws, 'fails', 'uma');
      const id = r.kind === 'started' ? r.instance.id : '';
      const failure: FlowResult = { ok: false, status: 409, code: 'X', message: 'no', errors: [{ code: 'X', message: 'no' }], next: undefined };
      const answer = (a: MutateAnswer) => (a.ok ? { ok: true } : { ok: false, failure: a.failure });
      const first = await store.flows.mutateInstance(ws, id, { requestId: 'f1', now: now(), decide: () => failure, outcome: answer });
      assert.equal(first.kind, 'done');
      assert.equal((await store.flows.getInstance(ws, id))!.seq, 1);
      const again = await store.flows.mutateInstance(ws, id, { requestId: 'f1', now: now(), decide: () => assert.fail('replayed'), outcome: answer });
      assert.deepEqual(again, { kind: 'replay', outcome: { ok: false, failure } });
      assert.deepEqual(await store.flows.mutateInstance(ws2, id, { requestId: null, now: now(), decide: () => failure, outcome: () => null }), { kind: 'not_found' });
    });

    test('a request id recorded before migration 0007 (the rendered answer in flow_requests) is still answered with it', async () => {
      await store.flows.insertSchema(ws, schema('legacy', ['a', 'b'], [['go', 'a', 'b']]), now());
      const r = await start(store, ws, 'legacy', 'wes');
      const id = r.kind === 'started' ? r.instance.id : '';
      const old = { result: 'success', instance: { id, seq: 2, state: 'active' } };
      await rawExec(db, 'INSERT INTO flow_requests (instance_id, request_id, outcome, created_at) VALUES (?, ?, ?, ?)', [id, 'old-1', JSON.stringify(old), now()]);
      const again = await node2.flows.mutateInstance(ws, id, { requestId: 'old-1', now: now(), decide: () => assert.fail('replayed'), outcome: () => assert.fail('rebuilt') });
      assert.deepEqual(again, { kind: 'replay', outcome: old });
      assert.equal((await store.flows.getInstance(ws, id))!.seq, 1);
    });

    test('subjects: a refused update stores nothing; keys are per workspace', async () => {
      const refuse = () => ({ reason: 'no' });
      assert.deepEqual(await store.flows.putSubject(ws, 'vic', { properties: { a: 1 } }, refuse, now()), { invalid: { reason: 'no' } });
      assert.equal(await store.flows.getSubject(ws, 'vic'), null);
      const made = await store.flows.putSubject(ws, 'vic', { properties: { a: 1 }, schema: { type: 'object' } }, () => null, now());
      assert.ok(!('invalid' in made));
      let seen: unknown[] = [];
      await store.flows.putSubject(ws, 'vic', { properties: { a: 2 } }, (p, s) => ((seen = [p, s]), { reason: 'later' }), now());
      assert.deepEqual(seen, [{ a: 2 }, { type: 'object' }]);
      const kept = (await store.flows.getSubject(ws, 'vic'))!;
      assert.deepEqual([kept.properties, kept.schema], [{ a: 1 }, { type: 'object' }]);
      await store.flows.putSubject(ws, 'vic', { schema: null }, () => null, now());
      assert.equal((await store.flows.getSubject(ws, 'vic'))!.schema, null);
      assert.equal(await store.flows.getSubject(ws2, 'vic'), null);
    });

    test('instances are listed by subject, flow and state, oldest first, with limit and offset', async () => {
      await store.flows.insertSchema(ws2, schema('list', ['a', 'b'], [['go', 'a', 'b']]), now());
      for (const s of ['w1', 'w2', 'w3']) await start(store, ws2, 'list', s);
      const all = await store.flows.listInstances(ws2, { flow: 'list', limit: 10, offset: 0 });
      assert.deepEqual(all.map((i) => i.subject), ['w1', 'w2', 'w3']);
      assert.deepEqual((await store.flows.listInstances(ws2, { flow: 'list', limit: 1, offset: 1 })).map((i) => i.subject), ['w2']);
      assert.deepEqual((await store.flows.listInstances(ws2, { subject: 'w3', state: 'active', limit: 10, offset: 0 })).map((i) => i.subject), ['w3']);
      assert.deepEqual(await store.flows.listInstances(ws2, { state: 'completed', limit: 10, offset: 0 }), []);
    });
  });
}
