import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { backends } from '../../helpers/backends.js';
import { freshDatabase, startWeft, eventually, type RunningWeft, type Database } from '../../helpers/weft.js';
import { startReceiver, type Receiver } from './callback-receiver.js';

// Two nodes over one PostgreSQL database (SQLite is single-node by design): launches, proceeds,
// timers and deliveries are shared, and each callback and each timer happens once.

const P = (ref: string) => ['participant', { ref }, []];
const DEFINITION = ['define', {}, [['concurrence', {}, [P('alpha'), ['sequence', {}, [['wait', { '0.2s': null }, []], ['echo', { ticked: null }, []], P('bravo')]]]]]];

for (const backend of (await backends()).filter((b) => b.name === 'postgres')) {
  describe(`processes on two nodes over ${backend.name}`, () => {
    let db: Database;
    let a: RunningWeft;
    let b: RunningWeft;
    let rx: Receiver;
    before(async () => {
      db = freshDatabase(backend);
      rx = await startReceiver();
      a = await startWeft(db);
      b = await startWeft(db);
    });
    after(async () => {
      await a.stop();
      await b.stop();
      await rx.close();
      await db.cleanup();
    });

    test('each callback and each timer happens once; either node proceeds any process', async () => {
      assert.notEqual(a.settings.nodeId, b.settings.nodeId);
      const heardOnB = new Map<string, string>();
      const off = b.engine.bus.on('process:changed', (e) => heardOnB.set(e.wfid, e.status));
      const wfids: string[] = [];
      for (let i = 0; i < 10; i++) {
        const node = i % 2 === 0 ? a : b;
        const r = await node.api('/v1/workflows', { method: 'POST', json: { workflow: DEFINITION, callback: `${rx.url}/p` } });
        assert.equal(r.status, 201);
        wfids.push(r.body.id);
      }
      const mine = new Set(wfids);
      const callbacks = await rx.count((c) => mine.has(c.body.workflow_id) && c.body.status === 'active', 20, 10000);
      for (const [i, cb] of callbacks.entries()) {
        const node = i % 2 === 0 ? b : a;
        const u = new URL(cb.body.proceed_url);
        const res = await fetch(node.url + u.pathname + u.search, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
        assert.equal(res.status, 201, await res.text());
      }
      for (const wfid of wfids) {
        const done = await eventually(() => a.api(`/v1/workflows/${wfid}`), (g) => g.body.status === 'completed', 5000, `${wfid} completed`);
        assert.deepEqual(done.body.trace, ['ticked'], 'the timer fired once');
      }
      // Every change is announced on every node.
      await eventually(() => wfids.every((w) => heardOnB.get(w) === 'completed'), Boolean, 5000, 'process:changed on the other node');
      off();
      // Nothing more arrives: every callback was sent once.
      await new Promise((r) => setTimeout(r, 500));
      const sent = rx.calls.filter((c) => mine.has(c.body.workflow_id));
      assert.equal(sent.length, 20);
      assert.equal(new Set(sent.map((c) => c.headers['webhook-id'])).size, 20);
    });
  });
}
