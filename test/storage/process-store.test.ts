import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { backends } from '../helpers/backends.js';
import { freshDatabase, openStore, type Database } from '../helpers/weft.js';
import type { Store } from '../../src/storage/store.js';
import type { NewDelivery, StepWrite } from '../../src/storage/process-store.js';
import type { DeliveryState } from '../../src/storage/process-delivery-store.js';
import { launchProcess, stepProcess, type ProcessState, type Tree } from '../../src/core/process/interpreter/index.js';
import { rawQuery } from '../helpers/raw-sql.js';
import { readMigrations } from '../../src/storage/migrator.js';

// The process store's conformance suite: the same expectations on SQLite and PostgreSQL.

const T0 = Date.UTC(2026, 10, 28, 6, 0, 0);
let n = 0;
const wfidOf = () => `20261128-0600-kogadeso-${['ba', 'be', 'bi', 'bo', 'bu', 'da', 'de', 'di', 'do', 'du'][n % 10]}${'ka'.repeat(1 + Math.floor(n++ / 10))}`;

function write(over: Partial<StepWrite> & { note?: string } = {}): StepWrite {
  const { note, ...rest } = over;
  return {
    state: { wfid: 'x', note } as unknown as ProcessState,
    status: 'running',
    endedAt: null,
    tokens: {},
    deliveries: [],
    schedule: [],
    unschedule: [],
    settle: [],
    ...rest,
  };
}

const delivery = (workitemId: string, status = 'active', id = `msg_${workitemId}_${status}_${n++}`): NewDelivery => ({
  webhookId: id,
  workitemId,
  participant: 'alpha',
  status,
  url: 'http://127.0.0.1:9/x',
  body: JSON.stringify({ workitem_id: workitemId, status }),
});

for (const backend of await backends()) {
  describe(`process store on ${backend.name}`, () => {
    let db: Database;
    let store: Store;
    let ws: number;
    let other: number;
    before(async () => {
      db = freshDatabase(backend);
      store = await openStore(db);
      await store.auth.createKey({ id: 'k1', hash: 'h1', prefix: 'p1', name: null, now: T0 });
      ws = (await store.auth.resolveWorkspace('k1', 'default', T0)).pk;
      other = (await store.auth.resolveWorkspace('k1', 'other', T0)).pk;
    });
    after(async () => {
      await store.close();
      await db.cleanup();
    });

    const create = async (w: StepWrite = write(), meta: { name?: string } = {}) => {
      const wfid = wfidOf();
      assert.notEqual(await store.processes.create({ wfid, ws, name: meta.name ?? null, revision: null, definition: null, launchedAt: T0 }, w), 'conflict');
      return wfid;
    };

    test('create, get, a taken wfid is a conflict, list by status', async () => {
      const wfid = await create(write({ tokens: { w: 't' }, note: 'first' }), { name: 'p' });
      const p = await store.processes.get(wfid);
      assert.ok(p);
      assert.deepEqual({ ws: p.ws, name: p.name, status: p.status, seq: p.seq, tokens: p.tokens, launchedAt: p.launchedAt, endedAt: p.endedAt }, {
        ws, name: 'p', status: 'running', seq: 1, tokens: { w: 't' }, launchedAt: T0, endedAt: null,
      });
      assert.equal((p.state as unknown as { note: string }).note, 'first');
      assert.equal(await store.processes.create({ wfid, ws, name: null, revision: null, definition: null, launchedAt: T0 }, write()), 'conflict');
      assert.equal(await store.processes.get('20990101-0000-kogadeso-gekunute'), null);
      const done = await create(write({ status: 'completed', endedAt: T0 + 5 }));
      assert.ok((await store.processes.list(ws, 'completed', 100)).some((x) => x.wfid === done));
      assert.ok(!(await store.processes.list(ws, 'running', 100)).some((x) => x.wfid === done));
      assert.deepEqual(await store.processes.list(other, null, 100), []);
    });

    test('step: the decision sees the locked row; a refusal writes nothing; unknown or other workspace is null', async () => {
      const wfid = await create();
      const out = await store.processes.step(wfid, ws, T0 + 1, (p) => {
        assert.equal(p.seq, 1);
        return write({ note: 'second', deliveries: [delivery(`w-step-${wfid}`)] });
      });
      assert.ok(out?.write);
      const p = (await store.processes.get(wfid))!;
      assert.equal(p.seq, 2);
      assert.equal((p.state as unknown as { note: string }).note, 'second');
      await assert.rejects(
        store.processes.step(wfid, ws, T0 + 2, () => {
          throw new Error('refused');
        }),
        /refused/,
      );
      assert.equal((await store.processes.get(wfid))!.seq, 2);
      assert.equal((await store.processes.deliveries.ofProcess(wfid)).length, 1);
      assert.equal(await store.processes.step(wfid, other, T0, () => write()), null);
      assert.equal(await store.processes.step('20990101-0000-kogadeso-gekunute', null, T0, () => write()), null);
      const none = await store.processes.step(wfid, null, T0, () => null);
      assert.equal(none?.write, null);
      assert.equal((await store.processes.get(wfid))!.seq, 2);
    });

    test('step: a state cached by one node is not used once another node (or a rolled-back step) changed the row', async () => {
      // Two stores on one database stand for two nodes; each keeps its own cache of parsed states.
      const second = await openStore(db);
      try {
        const wfid = await create(write({ note: 'n1' }));
        const seen: string[] = [];
        const stepOn = (s: Store, note: string) =>
          s.processes.step(wfid, ws, T0 + 1, (p) => {
            seen.push((p.state as unknown as { note: string }).note);
            (p.state as unknown as { note: string }).note = note; // in place, as the interpreter does
            return write({ state: p.state, note: undefined, tokens: { [note]: note } });
          });
        await stepOn(store, 'n2');
        await stepOn(second, 'n3');
        await stepOn(store, 'n4');
        await stepOn(store, 'n5');
        // A step that changes its state in place and is then refused leaves the row, and the next step sees the row.
        await assert.rejects(
          store.processes.step(wfid, ws, T0 + 2, (p) => {
            (p.state as unknown as { note: string }).note = 'refused';
            throw new Error('refused');
          }),
          /refused/,
        );
        await stepOn(store, 'n6');
        await stepOn(second, 'n7');
        assert.deepEqual(seen, ['n1', 'n2', 'n3', 'n4', 'n5', 'n6']);
        const p = (await second.processes.get(wfid))!;
        assert.deepEqual([(p.state as unknown as { note: string }).note, p.tokens, p.seq], ['n7', { n7: 'n7' }, 7]);
      } finally {
        await second.close();
      }
    });

    test('states are stored packed (the tree once); a row written before that format is read and stepped as before', async () => {
      const tree: Tree = ['define', { name: 'three' }, [['sequence', {}, ['alpha', 'bravo', 'charlie'].map((ref): Tree => ['participant', { ref }, []])]]];
      const ctx = { now: T0, random: (k: number) => Math.floor(Math.random() * k) };
      const launched = launchProcess(wfidOf(), { type: 'launch', tree, fields: { a: 1 }, variables: {}, callback: 'http://127.0.0.1:9/cb' }, ctx).state;
      const plain = JSON.stringify(launched);
      const wfid = await create(write({ state: launched }));
      const stored = async () => (await rawQuery<{ state: string }>(db, 'SELECT state FROM processes WHERE wfid = ?', [wfid]))[0].state;
      const packed = await stored();
      assert.match(packed, /^\{"packed":1,/);
      assert.ok(packed.length < plain.length * 0.6, `${packed.length} against ${plain.length}`);
      assert.deepStrictEqual((await store.processes.get(wfid))!.state, JSON.parse(plain));

      // As a weft before the packed format wrote it; read by a node with nothing cached.
      await rawQuery(db, 'UPDATE processes SET state = ? WHERE wfid = ?', [plain, wfid]);
      const fresh = await openStore(db);
      try {
        assert.deepStrictEqual((await fresh.processes.get(wfid))!.state, JSON.parse(plain));
        const proceed = (s: Store) =>
          s.processes.step(wfid, ws, T0 + 1, (p) => {
            const r = stepProcess(p.state, { type: 'proceed', workitemId: Object.keys(p.state.workitems)[0] }, ctx, { inPlace: true });
            assert.ok(!('error' in r));
            return write({ state: r.state, status: r.state.status });
          });
        await proceed(fresh);
        assert.match(await stored(), /^\{"packed":1,/);
        await proceed(store);
        await proceed(fresh);
        const done = (await store.processes.get(wfid))!.state;
        assert.equal(done.status, 'completed');
        assert.deepEqual(done.variables.three, ['0', tree]);
      } finally {
        await fresh.close();
      }
    });

    test('deliveries: a later delivery of a workitem waits for the one being sent; unsent ones are superseded', async () => {
      const w1 = `w1-${n}`;
      const wfid = await create(write({ deliveries: [delivery(w1)] }));
      const deliveries = store.processes.deliveries;
      const [first] = (await deliveries.claim({ now: T0 + 10, owner: 'me', leaseExpiresAt: T0 + 60_000, max: 10 })).filter((d) => d.wfid === wfid);
      assert.ok(first);
      assert.equal(first.status, 'active');
      await store.processes.step(wfid, ws, T0 + 11, () => write({ deliveries: [delivery(w1, 'cancel')] }));
      assert.deepEqual((await deliveries.claim({ now: T0 + 12, owner: 'me', leaseExpiresAt: T0 + 60_000, max: 10 })).filter((d) => d.wfid === wfid), []);
      assert.equal(await deliveries.delivered(first.id, 'someone-else', T0 + 13), false, 'only the lease holder records');
      assert.equal(await deliveries.delivered(first.id, 'me', T0 + 13), true);
      const next = (await deliveries.claim({ now: T0 + 14, owner: 'me', leaseExpiresAt: T0 + 60_000, max: 10 })).filter((d) => d.wfid === wfid);
      assert.deepEqual(next.map((d) => d.status), ['cancel']);

      const w2 = `w2-${n}`;
      await store.processes.step(wfid, ws, T0 + 20, () => write({ deliveries: [delivery(w2)] }));
      await store.processes.step(wfid, ws, T0 + 21, () => write({ settle: [w2] }));
      const all = await deliveries.ofProcess(wfid);
      assert.equal(all.find((d) => d.workitemId === w2)!.state, 'superseded');

      // A workitem settled while its delivery is being sent: that attempt is not retried.
      const w3 = `w2b-${n}`;
      await store.processes.step(wfid, ws, T0 + 30, () => write({ deliveries: [delivery(w3)] }));
      const [inFlight] = (await deliveries.claim({ now: T0 + 31, owner: 'me', leaseExpiresAt: T0 + 60_000, max: 10 })).filter((d) => d.workitemId === w3);
      assert.ok(inFlight);
      await store.processes.step(wfid, ws, T0 + 32, () => write({ settle: [w3] }));
      assert.equal(await deliveries.retryLater(inFlight, 'me', { now: T0 + 33, error: 'HTTP 500', nextAttemptAt: T0 + 34 }), false);
      assert.deepEqual((await deliveries.claim({ now: T0 + 100, owner: 'me', leaseExpiresAt: T0 + 60_000, max: 10 })).filter((d) => d.workitemId === w3), []);
    });

    test('a process\'s deliveries are found by its launch time and wfid; rows from before migration 0010 get their launch time', async () => {
      const launchedAt = T0 + 5_000;
      const wfid = wfidOf();
      const w = `launch-${n}`;
      assert.notEqual(await store.processes.create({ wfid, ws, name: null, revision: null, definition: null, launchedAt }, write({ deliveries: [delivery(w)] })), 'conflict');
      // Another process, launched at another time, with a delivery for a workitem of the same id.
      const twin = await create(write({ deliveries: [delivery(w)] }));
      assert.notEqual(twin, wfid);
      await store.processes.step(wfid, ws, launchedAt + 1, () => write({ deliveries: [delivery(`${w}-b`)] }));
      const rows = await rawQuery<{ wfid: string; launched_at: number | string | null }>(db, 'SELECT wfid, launched_at FROM process_deliveries WHERE wfid = ?', [wfid]);
      assert.deepEqual(rows.map((r) => Number(r.launched_at)), [launchedAt, launchedAt], 'each delivery carries its process\'s launch time');
      assert.deepEqual((await store.processes.deliveries.ofProcess(wfid)).map((d) => d.workitemId), [w, `${w}-b`]);
      assert.deepEqual([...(await store.processes.deliveries.latestActive(wfid, [w, `${w}-b`])).keys()], [w, `${w}-b`]);

      // As written before migration 0010: no launch time. The migration's backfill gives it back.
      await rawQuery(db, 'UPDATE process_deliveries SET launched_at = NULL WHERE wfid = ?', [wfid]);
      assert.deepEqual(await store.processes.deliveries.ofProcess(wfid), []);
      const migration = readMigrations(backend.name).find((m) => m.version === 10)!;
      const backfill = migration.sql.split(';').map((x) => x.replace(/^\s*--.*$/gm, '').trim()).find((x) => x.startsWith('UPDATE'))!;
      await rawQuery(db, backfill);
      assert.deepEqual((await store.processes.deliveries.ofProcess(wfid)).map((d) => d.workitemId), [w, `${w}-b`]);
      assert.deepEqual((await store.processes.deliveries.ofProcess(twin)).map((d) => d.workitemId), [w]);
    });

    test('a process ended by its own cancel_process before migration 0014 (status terminated) is cancelled after it', async () => {
      const wfid = await create();
      await rawQuery(db, "UPDATE processes SET status = 'terminated' WHERE wfid = ?", [wfid]);
      const migration = readMigrations(backend.name).find((m) => m.version === 14)!;
      await rawQuery(db, migration.sql.replace(/^\s*--.*$/gm, '').trim().replace(/;$/, ''));
      const rows = await rawQuery<{ status: string }>(db, 'SELECT status FROM processes WHERE wfid = ?', [wfid]);
      assert.deepEqual(rows, [{ status: 'cancelled' }]);
    });

    test('deliveries inserted under a lease are claimed by the step itself, unless one of their workitem is pending', async () => {
      const w = `w5-${n}`;
      const lease = { owner: 'me', expiresAt: T0 + 60_000 };
      const wfid = wfidOf();
      const created = await store.processes.create({ wfid, ws, name: null, revision: null, definition: null, launchedAt: T0 }, write({ deliveries: [delivery(w)], lease }));
      assert.notEqual(created, 'conflict');
      const [mine] = (created as { claimed: Array<{ id: number; workitemId: string; state: string; attempts: number }> }).claimed;
      assert.deepEqual([mine.workitemId, mine.state, mine.attempts], [w, 'pending', 0]);
      const deliveries = store.processes.deliveries;
      assert.deepEqual((await deliveries.claim({ now: T0 + 1, owner: 'other', leaseExpiresAt: T0 + 60_000, max: 50 })).filter((d) => d.wfid === wfid), []);
      const next = await store.processes.step(wfid, ws, T0 + 2, () => write({ deliveries: [delivery(w, 'cancel')], lease }));
      assert.deepEqual(next!.claimed, [], 'behind the active one being sent');
      assert.equal(await deliveries.delivered(mine.id, 'me', T0 + 3), true);
      const cancel = (await deliveries.claim({ now: T0 + 4, owner: 'other', leaseExpiresAt: T0 + 60_000, max: 50 })).filter((d) => d.wfid === wfid);
      assert.deepEqual(cancel.map((d) => d.status), ['cancel']);
    });

    test('a launch under a lease claims the first delivery of each of its workitems; a second one of a workitem waits', async () => {
      const [a, b] = [`w5a-${n}`, `w5b-${n}`];
      const lease = { owner: 'me', expiresAt: T0 + 60_000 };
      const wfid = wfidOf();
      const created = await store.processes.create(
        { wfid, ws, name: null, revision: null, definition: null, launchedAt: T0 },
        write({ deliveries: [delivery(a), delivery(b), delivery(a, 'cancel')], lease }),
      );
      assert.notEqual(created, 'conflict');
      const claimed = (created as { claimed: Array<{ id: number; workitemId: string; status: string }> }).claimed;
      assert.deepEqual(claimed.map((d) => [d.workitemId, d.status]), [[a, 'active'], [b, 'active']]);
      const rows = await store.processes.deliveries.ofProcess(wfid);
      assert.deepEqual(rows.map((d) => [d.workitemId, d.status, d.state]), [[a, 'active', 'pending'], [b, 'active', 'pending'], [a, 'cancel', 'pending']]);
      const deliveries = store.processes.deliveries;
      assert.deepEqual((await deliveries.claim({ now: T0 + 1, owner: 'other', leaseExpiresAt: T0 + 60_000, max: 50 })).filter((d) => d.wfid === wfid), [], 'the cancel waits behind the active being sent');
      assert.equal(await deliveries.delivered(claimed[0].id, 'me', T0 + 2), true);
      const cancel = (await deliveries.claim({ now: T0 + 3, owner: 'other', leaseExpiresAt: T0 + 60_000, max: 50 })).filter((d) => d.wfid === wfid);
      assert.deepEqual(cancel.map((d) => [d.workitemId, d.status]), [[a, 'cancel']]);
    });

    test('deliveredMany records the lease holder\'s deliveries in one statement and tells whether one waits behind them', async () => {
      const [a, b, c] = [`w6a-${n}`, `w6b-${n}`, `w6c-${n}`];
      const lease = { owner: 'me', expiresAt: T0 + 60_000 };
      const wfid = wfidOf();
      const created = await store.processes.create({ wfid, ws, name: null, revision: null, definition: null, launchedAt: T0 }, write({ deliveries: [delivery(a), delivery(b)], lease }));
      const [da, db2] = (created as { claimed: Array<{ id: number }> }).claimed;
      const deliveries = store.processes.deliveries;
      assert.deepEqual(await deliveries.deliveredMany([], 'me', T0 + 1), { recorded: [], waiting: false });
      assert.deepEqual(await deliveries.deliveredMany([da.id], 'someone-else', T0 + 1), { recorded: [], waiting: false }, 'only the lease holder records');
      assert.deepEqual(await deliveries.deliveredMany([da.id], 'me', T0 + 1), { recorded: [da.id], waiting: false });
      // A cancel of b waits behind b's active, being sent.
      // c is fresh (dispatched for the first time): claimed at once, nothing superseded for it.
      const next = await store.processes.step(wfid, ws, T0 + 2, () => write({ deliveries: [delivery(b, 'cancel'), delivery(c)], fresh: [c], lease }));
      assert.equal(next!.claimed.length, 1);
      const out = await deliveries.deliveredMany([db2.id, next!.claimed[0].id, da.id], 'me', T0 + 3);
      assert.deepEqual([out.recorded.sort((x, y) => x - y), out.waiting], [[db2.id, next!.claimed[0].id].sort((x, y) => x - y), true]);
      const all = await deliveries.ofProcess(wfid);
      assert.deepEqual(all.map((d) => [d.workitemId, d.status, d.state, d.attempts]), [
        [a, 'active', 'delivered', 1], [b, 'active', 'delivered', 1], [b, 'cancel', 'pending', 0], [c, 'active', 'delivered', 1],
      ]);
      assert.deepEqual((await deliveries.claim({ now: T0 + 4, owner: 'me', leaseExpiresAt: T0 + 60_000, max: 50 })).filter((d) => d.wfid === wfid).map((d) => d.status), ['cancel']);
      // A fresh workitem dispatched and cancelled in one step: its cancel waits behind its active.
      const e = `w6e-${n}`;
      const last = await store.processes.step(wfid, ws, T0 + 5, () => write({ deliveries: [delivery(e), delivery(e, 'cancel')], fresh: [e], lease }));
      assert.deepEqual(last!.claimed.map((d) => d.status), ['active']);
      const rows = (await deliveries.ofProcess(wfid)).filter((d) => d.workitemId === e);
      assert.deepEqual(rows.map((d) => [d.status, d.state]), [['active', 'pending'], ['cancel', 'pending']]);
    });

    test('deliveries: retry later, exhaustion steps the process in the same transaction, orphaned leases are freed', async () => {
      const w = `w3-${n}`;
      const wfid = await create(write({ deliveries: [delivery(w)] }));
      const deliveries = store.processes.deliveries;
      const claim = async (now: number, owner = 'me') => (await deliveries.claim({ now, owner, leaseExpiresAt: now + 60_000, max: 50 })).filter((d) => d.wfid === wfid);
      const [d] = await claim(T0 + 1);
      const heard: unknown[] = [];
      const off = store.onNotify((event, payload) => event === 'callback:retrying' && (payload as { wfid: string }).wfid === wfid && heard.push(payload));
      assert.equal(await deliveries.retryLater(d, 'me', { now: T0 + 2, error: 'HTTP 500', nextAttemptAt: T0 + 1000 }), true);
      assert.equal(await deliveries.retryLater(d, 'other', { now: T0 + 2, error: 'HTTP 500', nextAttemptAt: T0 + 1000 }), false, 'not its lease');
      // On PostgreSQL the notification comes back through LISTEN.
      for (let i = 0; i < 100 && heard.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
      off();
      assert.deepEqual(heard, [{ ws, wfid, workitemId: w, participant: d.participant, attempts: 1, nextAttemptAt: T0 + 1000, error: 'HTTP 500' }]);
      const listed = async (state: DeliveryState, failing: boolean) => (await deliveries.list(ws, { state, failing, limit: 500 })).filter((x) => x.wfid === wfid).map((x) => [x.workitemId, x.attempts, x.lastError]);
      assert.deepEqual(await listed('pending', true), [[w, 1, 'HTTP 500']]);
      assert.deepEqual(await listed('pending', false), [[w, 1, 'HTTP 500']]);
      assert.deepEqual(await listed('failed', false), []);
      assert.deepEqual((await deliveries.list(ws + 1000, { state: 'pending', failing: false, limit: 500 })).length, 0, 'another workspace sees none');
      assert.deepEqual(await claim(T0 + 999), []);
      const latest = await deliveries.latestActive(wfid, [w]);
      assert.deepEqual({ ...latest.get(w)!, createdAt: 0 }, { workitemId: w, state: 'pending', attempts: 1, nextAttemptAt: T0 + 1000, lastError: 'HTTP 500', createdAt: 0 });
      const [again] = await claim(T0 + 1000);
      assert.equal(again.attempts, 1);
      assert.equal(await deliveries.exhausted(again, 'other', { now: T0 + 1001, error: 'x' }, () => write()), null);
      const out = await deliveries.exhausted(again, 'me', { now: T0 + 1001, error: 'HTTP 502' }, (p) => write({ status: 'error', note: `failed at seq ${p.seq}` }));
      assert.ok(out?.step?.write);
      const p = (await store.processes.get(wfid))!;
      assert.equal(p.status, 'error');
      assert.equal((p.state as unknown as { note: string }).note, 'failed at seq 1');
      const failed = (await deliveries.ofProcess(wfid))[0];
      assert.deepEqual([failed.state, failed.attempts, failed.lastError], ['failed', 2, 'HTTP 502']);
      assert.deepEqual(await listed('failed', true), [[w, 2, 'HTTP 502']]);
      assert.deepEqual(await listed('pending', true), []);
      if (backend.name === 'sqlite') {
        // The listings of the rare states read their partial indexes (on PostgreSQL a table this small is scanned whatever the indexes).
        const plan = async (state: string, order: string) =>
          (await rawQuery<{ detail: string }>(db, `EXPLAIN QUERY PLAN SELECT id FROM process_deliveries WHERE state = '${state}' AND ws = ? ORDER BY ${order} LIMIT 5`, [ws])).map((r) => r.detail).join('; ');
        assert.match(await plan('failed', 'id DESC'), /USING (COVERING )?INDEX process_deliveries_failed/);
        assert.match(await plan('pending', 'next_attempt_at, id'), /USING INDEX process_deliveries_due/);
      }

      const w4 = `w4-${n}`;
      await store.processes.step(wfid, ws, T0 + 2000, () => write({ deliveries: [delivery(w4)] }));
      assert.equal((await claim(T0 + 2001, 'dead-node')).length, 1);
      assert.deepEqual(await claim(T0 + 2002), [], 'held by its lease');
      await store.nodes.heartbeat('me', T0 + 2003);
      assert.ok((await deliveries.releaseOrphans({ self: 'me', liveSince: T0 + 2000 })) >= 1);
      const [taken] = await claim(T0 + 2004);
      assert.equal(taken.workitemId, w4);
      // A live node's own claims stay, unless it starts again under its id (selfToo).
      assert.equal(await deliveries.releaseOrphans({ self: 'me', liveSince: T0 + 2000 }), 0);
      assert.ok((await deliveries.releaseOrphans({ self: 'me', liveSince: T0 + 2000, selfToo: true })) >= 1);
      assert.ok((await claim(T0 + 2004, 'me')).some((d) => d.id === taken.id));
      await deliveries.release(taken.id, 'me');
      assert.equal((await claim(T0 + 2005, 'me')).length, 1);
      assert.ok((await deliveries.releaseOrphans({ self: 'nobody', liveSince: null })) >= 1, 'single node: every claim is freed');
    });

    test('timers: scheduled with the step, fired once in the transaction that deletes them, unscheduled, gone when the process ends', async () => {
      const wfid = await create(write({ schedule: [{ timerId: 't1', dueAt: T0 + 100 }, { timerId: 't2', dueAt: T0 + 200 }, { timerId: 't3', dueAt: T0 + 300 }] }));
      const timers = store.processes.timers;
      const mine = async (now: number) => (await timers.due(now, 100)).filter((t) => t.wfid === wfid);
      assert.deepEqual(await mine(T0 + 99), []);
      const [t1] = await mine(T0 + 150);
      assert.deepEqual(t1, { wfid, timerId: 't1', dueAt: T0 + 100 });
      const fired = await timers.fire(t1, T0 + 150, () => write({ note: 'fired t1', unschedule: ['t2'] }));
      assert.notEqual(fired, 'gone');
      assert.equal(await timers.fire(t1, T0 + 151, () => write()), 'gone');
      assert.deepEqual((await mine(T0 + 1000)).map((t) => t.timerId), ['t3']);
      await timers.postpone({ wfid, timerId: 't3', dueAt: T0 + 300 }, T0 + 5000);
      assert.deepEqual(await mine(T0 + 1000), []);
      assert.ok((await timers.nextDueAt())! <= T0 + 5000);
      await store.processes.step(wfid, ws, T0 + 400, () => write({ status: 'completed', endedAt: T0 + 400 }));
      assert.deepEqual(await mine(T0 + 10_000), []);
    });

    test('definitions: every save is a new revision; latest and list are per workspace', async () => {
      const tree = ['define', {}, []] as never;
      assert.equal((await store.processes.definitions.save(ws, 'd', 'define', tree, T0)).revision, 1);
      assert.equal((await store.processes.definitions.save(ws, 'd', ['define', {}, []], tree, T0 + 1)).revision, 2);
      assert.equal((await store.processes.definitions.save(other, 'd', 'define', tree, T0)).revision, 1);
      const latest = (await store.processes.definitions.latest(ws, 'd'))!;
      assert.deepEqual([latest.revision, latest.source, latest.createdAt], [2, ['define', {}, []], T0 + 1]);
      assert.equal(await store.processes.definitions.latest(ws, 'none'), null);
      assert.deepEqual((await store.processes.definitions.list(ws)).map((d) => [d.name, d.revision]), [['d', 2]]);
    });
  });
}
