import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { backends } from '../helpers/backends.js';
import { freshDatabase, openStore, type Database } from '../helpers/weft.js';
import type { Store } from '../../src/storage/store.js';
import { retryDecision } from '../../src/core/queue/task-backoff.js';

// The storage contract (DESIGN convention 5): the same assertions on every backend.

for (const backend of await backends()) {
  describe(`task store contract on ${backend.name}`, () => {
    let db: Database;
    let store: Store;
    let ws: number;
    let ws2: number;
    let n = 0;
    const now = () => 1_700_000_000_000 + ++n;
    const claimReq = (over: Partial<Parameters<Store['tasks']['claim']>[0]> = {}) => ({
      ws,
      types: ['t'],
      max: 10,
      cap: 6,
      runner: 'external' as const,
      owner: 'node-a',
      workerId: 'w',
      leaseExpiresAt: now() + 1000,
      now: now(),
      newToken: () => `tok${n}`,
      ...over,
    });

    before(async () => {
      db = freshDatabase(backend);
      store = await openStore(db);
      await store.auth.createKey({ id: 'k1', hash: 'h1', prefix: 'p1', name: null, now: now() });
      ws = (await store.auth.resolveWorkspace('k1', 'a', now())).pk;
      ws2 = (await store.auth.resolveWorkspace('k1', 'b', now())).pk;
    });
    after(async () => {
      await store.close();
      await db.cleanup();
    });

    test('migrations are idempotent', async () => {
      assert.deepEqual(await store.migrate(), []);
    });

    test('workspaces are created once per (key, name)', async () => {
      const again = await store.auth.resolveWorkspace('k1', 'a', now());
      assert.equal(again.pk, ws);
      assert.deepEqual(
        (await store.auth.listWorkspaces('k1')).map((w) => w.name),
        ['a', 'b'],
      );
    });

    test('ids are per workspace, from 1, and survive concurrent creates without gaps or duplicates', async () => {
      const created = await Promise.all(Array.from({ length: 20 }, (_, i) => store.tasks.create(ws2, { name: `c${i}`, type: 'x', payload: null, maxAttempts: 3 }, now())));
      assert.deepEqual(
        created.map((t) => t.id).sort((a, b) => a - b),
        Array.from({ length: 20 }, (_, i) => i + 1),
      );
    });

    test('claims respect the per-workspace cap and never hand a task out twice', async () => {
      for (let i = 0; i < 10; i++) await store.tasks.create(ws, { name: `t${i}`, type: 't', payload: { i }, maxAttempts: 2 }, now());
      const [a, b] = await Promise.all([store.tasks.claim(claimReq({ max: 4 })), store.tasks.claim(claimReq({ max: 4 }))]);
      const ids = [...a, ...b].map((t) => t.id);
      assert.equal(new Set(ids).size, ids.length, 'no task claimed twice');
      assert.equal(ids.length, 6, 'the cap of 6 holds across concurrent claims');
      assert.deepEqual(await store.tasks.claim(claimReq()), []);
      const counts = await store.tasks.countByStatus(ws);
      assert.equal(counts.running, 6);
      assert.equal(counts.queued, 4);
    });

    test('complete, fail with retry, fail for good, release; lease checks', async () => {
      const running = (await store.tasks.list(ws)).filter((t) => t.status === 'running');
      const [t1, t2, t3, t4] = running;
      assert.equal(await store.tasks.complete(ws, t1.id, { token: 'wrong', now: now(), result: 1 }), 'lease_lost');
      const done = await store.tasks.complete(ws, t1.id, { token: t1.leaseToken, now: now(), result: { ok: 1 } });
      assert.ok(typeof done !== 'string' && done.status === 'completed');
      assert.equal(await store.tasks.complete(ws, t1.id, { token: null, now: now(), result: 1 }), 'not_running');
      assert.equal(await store.tasks.complete(ws, 999, { token: null, now: now(), result: 1 }), 'not_found');

      const decide = retryDecision(now(), 10, () => 0.5);
      const retried = await store.tasks.fail(ws, t2.id, { token: t2.leaseToken, now: now(), error: 'e', retryable: true, decide });
      assert.ok(typeof retried !== 'string' && retried.status === 'queued' && retried.runAt > now());
      const fatal = await store.tasks.fail(ws, t3.id, { token: t3.leaseToken, now: now(), error: 'e', retryable: false, decide });
      assert.ok(typeof fatal !== 'string' && fatal.status === 'failed');
      const released = await store.tasks.release(ws, t4.id, { token: t4.leaseToken, now: now() });
      assert.ok(typeof released !== 'string' && released.status === 'queued' && released.attempts === 0);
    });

    test('an idempotency key answers the task it created: in the same batch, later, and from concurrent enqueues; ids stay consecutive', async () => {
      const wsK = (await store.auth.resolveWorkspace('k1', 'keys', now())).pk;
      const task = (name: string, idempotencyKey?: string) => ({ name, type: 'k', payload: { name }, maxAttempts: 3, ...(idempotencyKey === undefined ? {} : { idempotencyKey }) });
      const first = await store.tasks.createMany(wsK, [task('a', 'k1'), task('b'), task('c', 'k1'), task('d', 'k2')], now());
      assert.deepEqual(first.map((t) => [t.id, t.name]), [[1, 'a'], [2, 'b'], [1, 'a'], [3, 'd']]);
      const again = await store.tasks.createMany(wsK, [task('e', 'k2'), task('f')], now());
      assert.deepEqual(again.map((t) => [t.id, t.name]), [[3, 'd'], [4, 'f']], 'no id is skipped');
      assert.deepEqual((await store.tasks.createMany(wsK, [task('g', 'k1')], now())).map((t) => t.id), [1]);
      // Racing enqueues of one key (two transactions; on PostgreSQL two connections): one task.
      const raced = await Promise.all(Array.from({ length: 4 }, (_, i) => store.tasks.create(wsK, task(`r${i}`, 'race'), now())));
      assert.equal(new Set(raced.map((t) => t.id)).size, 1);
      assert.equal((await store.tasks.create(wsK, task('h'), now())).id, 6);
      // Keys are per workspace.
      assert.equal((await store.tasks.createMany(ws2, [task('other', 'k1')], now()))[0].name, 'other');
      assert.equal((await store.tasks.list(wsK)).length, 6);
    });

    test('createMany numbers in the order given; completeMany answers each item as complete() would, in order', async () => {
      const ws3 = (await store.auth.resolveWorkspace('k1', 'batch', now())).pk;
      const created = await store.tasks.createMany(ws3, Array.from({ length: 5 }, (_, i) => ({ name: `m${i}`, type: 'm', payload: { i }, maxAttempts: 3 })), now());
      assert.deepEqual(
        created.map((t) => [t.id, t.name, t.status]),
        Array.from({ length: 5 }, (_, i) => [i + 1, `m${i}`, 'queued']),
      );
      assert.deepEqual(created[3].payload, { i: 3 });
      const more = await store.tasks.createMany(ws3, [{ name: 'm5', type: 'm', payload: null, maxAttempts: 3 }], now());
      assert.equal(more[0].id, 6);

      const claimed = await store.tasks.claim(claimReq({ ws: ws3, types: ['m'], max: 4 }));
      assert.deepEqual(
        claimed.map((t) => t.id),
        [1, 2, 3, 4],
      );
      const [a, b, c, d] = claimed;
      const out = await store.tasks.completeMany(
        ws3,
        [
          { id: a.id, token: a.leaseToken, result: { a: 1 } },
          { id: b.id, token: 'wrong', result: null },
          { id: a.id, token: a.leaseToken, result: { again: true } },
          { id: 999, token: null, result: null },
          { id: 6, token: null, result: null },
          { id: c.id, token: null, result: [c.id] },
        ],
        now(),
      );
      const shape = out.map((o) => (typeof o === 'string' ? o : [o.id, o.status, o.result]));
      assert.deepEqual(shape, [[a.id, 'completed', { a: 1 }], 'lease_lost', 'not_running', 'not_found', 'not_running', [c.id, 'completed', [c.id]]]);
      const left = await store.tasks.countByStatus(ws3);
      assert.deepEqual(left, { queued: 2, running: 2, completed: 2, failed: 0 });
      assert.equal((await store.tasks.get(ws3, d.id))?.status, 'running');
      assert.deepEqual((await store.tasks.get(ws3, a.id))?.result, { a: 1 });
      // A wrong lease, then the right one, then the right one again: as if applied one after another.
      const again = await store.tasks.completeMany(
        ws3,
        [
          { id: d.id, token: 'wrong', result: null },
          { id: d.id, token: d.leaseToken, result: { d: 1 } },
          { id: d.id, token: d.leaseToken, result: { d: 2 } },
        ],
        now(),
      );
      assert.deepEqual(again.map((o) => (typeof o === 'string' ? o : [o.id, o.status, o.result])), ['lease_lost', [d.id, 'completed', { d: 1 }], 'not_running']);
      assert.deepEqual((await store.tasks.get(ws3, d.id))?.result, { d: 1 });
    });

    test('completeAndClaim answers its items as completeMany would, and its claim counts the slots they freed', async () => {
      const ws4 = (await store.auth.resolveWorkspace('k1', 'fold', now())).pk;
      await store.tasks.createMany(ws4, Array.from({ length: 8 }, (_, i) => ({ name: `f${i}`, type: 'f', payload: { i }, maxAttempts: 3 })), now());
      const [a, b, c] = await store.tasks.claim(claimReq({ ws: ws4, types: ['f'], max: 3, cap: 3 }));
      const first = await store.tasks.completeAndClaim(
        ws4,
        [
          { id: a.id, token: a.leaseToken, result: { a: 1 } },
          { id: b.id, token: 'wrong', result: null },
          { id: a.id, token: a.leaseToken, result: null },
          { id: 999, token: null, result: null },
          { id: 8, token: null, result: null },
          { id: c.id, token: null, result: 'c' },
        ],
        now(),
        claimReq({ ws: ws4, types: ['f'], max: 5, cap: 3 }),
      );
      assert.deepEqual(
        first.outcomes.map((o) => (typeof o === 'string' ? o : [o.id, o.status, o.result])),
        [[a.id, 'completed', { a: 1 }], 'lease_lost', 'not_running', 'not_found', 'not_running', [c.id, 'completed', 'c']],
      );
      // Two slots of the cap of 3 were freed (b still runs): the claim takes the next two in order.
      assert.deepEqual(
        first.claimed.map((t) => [t.id, t.status, t.attempts]),
        [
          [4, 'running', 1],
          [5, 'running', 1],
        ],
      );
      // Completions only (the claim has no room), and a claim only.
      const d = first.claimed[0];
      const second = await store.tasks.completeAndClaim(ws4, [{ id: d.id, token: d.leaseToken, result: null }], now(), claimReq({ ws: ws4, types: ['f'], max: 0, cap: 3 }));
      assert.deepEqual(second.claimed, []);
      assert.equal((second.outcomes[0] as { status: string }).status, 'completed');
      const third = await store.tasks.completeAndClaim(ws4, [], now(), claimReq({ ws: ws4, types: ['f'], max: 5, cap: 3 }));
      assert.deepEqual(
        third.claimed.map((t) => t.id),
        [6],
      );
      assert.deepEqual(await store.tasks.countByStatus(ws4), { queued: 2, running: 3, completed: 3, failed: 0 });
    });

    test('expired external leases return to the queue, or fail when out of attempts', async () => {
      const claimed = await store.tasks.claim(claimReq({ max: 1, leaseExpiresAt: 5 }));
      assert.equal(claimed.length, 1);
      const expired = await store.tasks.expireLeases(now(), retryDecision(now(), 0, () => 0), 100);
      assert.ok(expired.some((t) => t.id === claimed[0].id && t.status === 'queued'));
    });

    test('built-in tasks of a dead node are queued again without counting the attempt', async () => {
      await store.tasks.create(ws, { name: 'b', type: 'builtin.t', payload: null, maxAttempts: 3 }, now());
      const [b] = await store.tasks.claim(claimReq({ types: ['builtin.t'], runner: 'builtin', owner: 'dead-node', leaseExpiresAt: null }));
      assert.equal(b.attempts, 1);
      await store.nodes.heartbeat('live-node', now());
      const touched = await store.tasks.requeueOrphans({ now: now(), liveSince: now() - 10, self: 'live-node' });
      assert.deepEqual(touched, [ws]);
      const again = await store.tasks.get(ws, b.id);
      assert.equal(again?.status, 'queued');
      assert.equal(again?.attempts, 0);
      // A live node's own tasks stay, unless it is starting again under its id (selfToo); another live node's always stay.
      const [mine] = await store.tasks.claim(claimReq({ types: ['builtin.t'], runner: 'builtin', owner: 'live-node', leaseExpiresAt: null }));
      await store.tasks.create(ws, { name: 'c', type: 'builtin.t', payload: null, maxAttempts: 3 }, now());
      const [theirs] = await store.tasks.claim(claimReq({ types: ['builtin.t'], runner: 'builtin', owner: 'other-live-node', leaseExpiresAt: null }));
      await store.nodes.heartbeat('other-live-node', now());
      assert.deepEqual(await store.tasks.requeueOrphans({ now: now(), liveSince: now() - 10, self: 'live-node' }), []);
      assert.deepEqual(await store.tasks.requeueOrphans({ now: now(), liveSince: now() - 10, self: 'live-node', selfToo: true }), [ws]);
      assert.equal((await store.tasks.get(ws, mine.id))?.status, 'queued');
      assert.equal((await store.tasks.get(ws, theirs.id))?.status, 'running');
      await store.tasks.release(ws, theirs.id, { token: theirs.leaseToken, now: now() });
    });

    test('delete only queued; flush hides every task that left the queue', async () => {
      const q = await store.tasks.create(ws, { name: 'q', type: 'none', payload: null, maxAttempts: 1 }, now());
      assert.equal(await store.tasks.deleteQueued(ws, q.id), 'deleted');
      assert.equal(await store.tasks.deleteQueued(ws, q.id), 'not_found');
      const running = (await store.tasks.list(ws)).find((t) => t.status === 'running')!;
      assert.equal(await store.tasks.deleteQueued(ws, running.id), 'dispatched');
      await store.tasks.flush(ws, now());
      const left = await store.tasks.list(ws);
      assert.ok(left.every((t) => t.status === 'queued'));
    });
  });
}
