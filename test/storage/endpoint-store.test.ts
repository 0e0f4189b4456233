import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { backends } from '../helpers/backends.js';
import { freshDatabase, openStore, type Database } from '../helpers/weft.js';
import type { Store } from '../../src/storage/store.js';
import { STATE_PRUNE_EVERY, STATE_RECORDS_KEPT, type EndpointCheck } from '../../src/storage/endpoint-store.js';
import { compileEndpointDefinition, latestPassingState, type EndpointDefinition, type StateConfig, type StateRecord } from '../../src/core/endpoint/index.js';

// The endpoint store contract (DESIGN convention 5): the same assertions on every backend.

function def(name: string, pattern: string, extra: Record<string, unknown> = {}): EndpointDefinition {
  const r = compileEndpointDefinition({ name, endpoint: { pattern, method: 'GET' }, transformation: { output: 'JSON' }, ...extra }, { reservedPrefixes: ['/endpoints'] });
  assert.ok(r.ok, r.ok ? '' : r.reason);
  return r.definition;
}

const ok = (definition: EndpointDefinition) => (): EndpointCheck => ({ ok: true, definition });

function record(i: number, status: number | undefined, networkError: boolean): StateRecord {
  return {
    system: { timestamps: { endpointStart: `s${i}`, endpointEnd: `e${i}`, endpointDuration: { milliseconds: 1 }, lookupRequests: {} } },
    ...(status !== undefined && { lookupHttpStatus: status }),
    lookupNetworkError: networkError,
    query: { i },
  };
}

for (const backend of await backends()) {
  describe(`endpoint store contract on ${backend.name}`, () => {
    let db: Database;
    let store: Store;
    let ws: number;
    let ws2: number;
    let keyId: string;
    let n = 0;
    const now = () => 1_700_000_000_000 + ++n;
    const hex = (i: number) => i.toString(16).padStart(24, '0');

    before(async () => {
      db = freshDatabase(backend);
      store = await openStore(db);
      keyId = 'key-a';
      await store.auth.createKey({ id: keyId, hash: 'h-a', prefix: 'pa', name: null, now: now() });
      await store.auth.createKey({ id: 'key-b', hash: 'h-b', prefix: 'pb', name: null, now: now() });
      ws = (await store.auth.resolveWorkspace(keyId, 'default', now())).pk;
      ws2 = (await store.auth.resolveWorkspace('key-b', 'default', now())).pk;
    });
    after(async () => {
      await store.close();
      await db.cleanup();
    });

    test('create runs the check with the workspace’s endpoints and stores what it returns', async () => {
      let seen: string[] = [];
      const created = await store.endpoints.create(ws, hex(1), now(), (others) => {
        seen = others.map((o) => o.id);
        return { ok: true, definition: def('one', '/one') };
      });
      assert.ok(created.ok);
      assert.deepEqual(seen, []);
      const refused = await store.endpoints.create(ws, hex(2), now(), (others) => {
        seen = others.map((o) => o.id);
        return { ok: false, reason: 'no' };
      });
      assert.deepEqual(refused, { ok: false, reason: 'no' });
      assert.deepEqual(seen, [hex(1)]);
      assert.equal(await store.endpoints.get(ws, hex(2)), null);
      const got = await store.endpoints.get(ws, hex(1));
      assert.equal(got?.definition.name, 'one');
      assert.equal(got?.version, 1);
      // Other workspaces do not see it.
      assert.equal(await store.endpoints.get(ws2, hex(1)), null);
      assert.deepEqual(await store.endpoints.list(ws2), []);
    });

    test('update bumps the version and updated_at; unknown ids are null', async () => {
      const before = (await store.endpoints.get(ws, hex(1)))!;
      const r = await store.endpoints.update(ws, hex(1), now(), (current, others) => {
        assert.equal(current.id, hex(1));
        assert.deepEqual(others, []);
        return { ok: true, definition: def('one', '/one-b') };
      });
      assert.ok(r && r.ok);
      const after = (await store.endpoints.get(ws, hex(1)))!;
      assert.equal(after.version, 2);
      assert.equal(after.definition.endpoint.pattern, '/one-b');
      assert.ok(after.updatedAt > before.updatedAt);
      assert.equal(after.createdAt, before.createdAt);
      assert.equal(await store.endpoints.update(ws, hex(99), now(), ok(def('x', '/x'))), null);
      assert.equal(await store.endpoints.update(ws2, hex(1), now(), ok(def('x', '/x'))), null);
    });

    test('routes: by key and workspace name; public routes across keys, oldest first, revoked keys left out', async () => {
      await store.endpoints.create(ws, hex(3), now(), ok(def('pub-a', '/pub', { public: true })));
      await store.endpoints.create(ws2, hex(4), now(), ok(def('pub-b', '/pub', { public: true })));
      const own = await store.endpoints.routes(keyId, 'default', 'GET');
      assert.deepEqual(own.map((r) => r.id), [hex(1), hex(3)]);
      assert.deepEqual(own[1].endpoint, { pattern: '/pub', method: 'GET' });
      assert.equal(own[1].isPublic, true);
      assert.equal(own[0].isPublic, false);
      assert.deepEqual(await store.endpoints.routes(keyId, 'default', 'POST'), []);
      assert.deepEqual(await store.endpoints.routes(keyId, 'other', 'GET'), []);
      assert.deepEqual((await store.endpoints.publicRoutes('default', 'GET')).map((r) => r.id), [hex(3), hex(4)]);
      assert.deepEqual(await store.endpoints.publicRoutes('other', 'GET'), []);
      await store.auth.revokeKey('key-b', now());
      assert.deepEqual((await store.endpoints.publicRoutes('default', 'GET')).map((r) => r.id), [hex(3)]);
    });

    test('duplicate names in one workspace are refused by the database too', async () => {
      await assert.rejects(store.endpoints.create(ws, hex(5), now(), ok(def('one', '/other'))));
      assert.equal(await store.endpoints.get(ws, hex(5)), null);
    });

    test('latest state: the newest record passing state.config, filtered in SQL exactly as the core filters', async () => {
      await store.endpoints.create(ws, hex(6), now(), ok(def('stateful', '/state')));
      const saved: StateRecord[] = [];
      const statuses = [200, undefined, 404, 201, 500, 200, undefined, 302];
      for (let i = 0; i < statuses.length; i++) {
        const r = record(i, statuses[i], statuses[i] === undefined);
        saved.push(r);
        await store.endpoints.saveState(hex(6), r, now());
      }
      const configs: StateConfig[] = [];
      for (const networkErrors of ['no-filter', 'include', 'exclude'] as const) {
        for (const includeStatuses of [[], ['*'], ['2xx'], ['201'], ['4xx', '5xx'], ['3xx', '200'], ['404'], ['1xx']]) configs.push({ networkErrors, includeStatuses });
      }
      for (const config of configs) {
        const expected = latestPassingState(saved, config);
        assert.deepEqual(await store.endpoints.latestState(hex(6), config), expected, JSON.stringify(config));
      }
      assert.equal(await store.endpoints.latestState(hex(99), { networkErrors: 'no-filter', includeStatuses: [] }), null);
    });

    test('latest state stays exact while reads and saves interleave, some at once, and after remove', async () => {
      await store.endpoints.create(ws, hex(8), now(), ok(def('interleaved', '/interleaved')));
      const configs: StateConfig[] = [];
      for (const networkErrors of ['no-filter', 'include', 'exclude'] as const) {
        for (const includeStatuses of [[], ['2xx'], ['404', '5xx']]) configs.push({ networkErrors, includeStatuses });
      }
      const check = async (saved: StateRecord[]) => {
        for (const config of configs) assert.deepEqual(await store.endpoints.latestState(hex(8), config), latestPassingState(saved, config), JSON.stringify(config));
      };
      const saved: StateRecord[] = [];
      // Read first (nothing saved yet), then after every save.
      await check(saved);
      const statuses = [200, 404, undefined, 503, 200, 201, undefined, 404];
      for (let i = 0; i < statuses.length; i++) {
        const r = record(100 + i, statuses[i], statuses[i] === undefined);
        saved.push(r);
        await store.endpoints.saveState(hex(8), r, now());
        await check(saved);
      }
      // Saves and reads issued together (on PostgreSQL they commit in any order: the stored order counts).
      const batch = statuses.map((s, i) => record(200 + i, s, s === undefined));
      const reads = await Promise.all([...batch.map((r) => store.endpoints.saveState(hex(8), r, now())), ...configs.map((c) => store.endpoints.latestState(hex(8), c))]);
      assert.equal(reads.length, batch.length + configs.length);
      const stored = (await store.stats.endpointStates(ws, hex(8), 1000))!.map((s) => s.record as StateRecord).reverse();
      assert.equal(stored.length, saved.length + batch.length);
      saved.splice(0, saved.length, ...stored);
      await check(saved);
      // A record passed to saveState is stored as it was at the call.
      const mutable = record(300, 200, false);
      const saving = store.endpoints.saveState(hex(8), mutable, now());
      mutable.query = { changed: true };
      await saving;
      assert.deepEqual((await store.endpoints.latestState(hex(8), configs[0]))?.query, { i: 300 });
      assert.equal(await store.endpoints.remove(ws, hex(8)), true);
      await check([]);
    });

    test(`pruning keeps the newest ${STATE_RECORDS_KEPT} and the newest of each (network error, status) pair`, async () => {
      await store.endpoints.create(ws, hex(7), now(), ok(def('pruned', '/pruned')));
      await store.endpoints.saveState(hex(7), record(-2, undefined, true), now());
      await store.endpoints.saveState(hex(7), record(-1, 404, false), now());
      // Saves 0, PRUNE_EVERY, 2 × PRUNE_EVERY … prune: between them the count grows by at most PRUNE_EVERY.
      let saves = 2;
      let i = 0;
      for (; saves < STATE_RECORDS_KEPT + 20 || saves % STATE_PRUNE_EVERY !== 1; i++, saves++) {
        await store.endpoints.saveState(hex(7), record(i, 200, false), now());
        assert.ok((await store.endpoints.countStates(hex(7))) <= STATE_RECORDS_KEPT + 2 + STATE_PRUNE_EVERY);
      }
      assert.equal(await store.endpoints.countStates(hex(7)), STATE_RECORDS_KEPT + 2);
      const newest = await store.endpoints.latestState(hex(7), { networkErrors: 'no-filter', includeStatuses: [] });
      assert.deepEqual(newest?.query, { i: i - 1 });
      // Still found although over 120 newer records were saved after them.
      assert.deepEqual((await store.endpoints.latestState(hex(7), { networkErrors: 'include', includeStatuses: [] }))?.query, { i: -2 });
      assert.deepEqual((await store.endpoints.latestState(hex(7), { networkErrors: 'no-filter', includeStatuses: ['4xx'] }))?.query, { i: -1 });
    });

    test('remove deletes the endpoint and its state; saving state for a removed endpoint stores nothing', async () => {
      assert.equal(await store.endpoints.remove(ws2, hex(6)), false);
      assert.equal(await store.endpoints.remove(ws, hex(6)), true);
      assert.equal(await store.endpoints.remove(ws, hex(6)), false);
      assert.equal(await store.endpoints.countStates(hex(6)), 0);
      await store.endpoints.saveState(hex(6), record(1, 200, false), now());
      assert.equal(await store.endpoints.countStates(hex(6)), 0);
      assert.equal(await store.endpoints.byId(hex(6)), null);
    });
  });
}
