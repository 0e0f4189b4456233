import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { postgresBackend, postgresReachable } from '../helpers/backends.js';
import { eventually, freshDatabase, startWeft, type RunningWeft, type Database } from '../helpers/weft.js';

// Each node keeps the routes and definitions it served in memory: a change made through one node
// must reach the other (endpoint:changed over LISTEN/NOTIFY), and the node that made it at once.

const definition = (field: string) => ({
  name: 'two-nodes',
  endpoint: { pattern: '/two-nodes/:id', method: 'GET' },
  transformation: { input: 'JSON', output: 'JSON' },
  inputMapping: { 'urlParams.id': field },
});

if (await postgresReachable()) {
  describe('endpoints on two nodes over one PostgreSQL database', () => {
    let db: Database;
    let a: RunningWeft;
    let b: RunningWeft;
    before(async () => {
      db = freshDatabase(postgresBackend);
      a = await startWeft(db, { WEFT_NODE_ID: 'node-a' });
      b = await startWeft(db, { WEFT_NODE_ID: 'node-b' });
    });
    after(async () => {
      await a.stop();
      await b.stop();
      await db.cleanup();
    });

    test('create, update and delete through node A are served by node B (whose routes were cached) and at once by A', async () => {
      // Both nodes have served (and cached) "no such endpoint" first.
      assert.equal((await a.api('/two-nodes/1')).status, 404);
      assert.equal((await b.api('/two-nodes/1')).status, 404);

      const changedOnB = b.engine.bus.once('endpoint:changed');
      const created = await a.api('/endpoints', { method: 'POST', json: definition('id') });
      assert.equal(created.status, 201);
      assert.deepEqual((await a.api('/two-nodes/1')).body, { id: '1' });
      await changedOnB;
      await eventually(() => b.api('/two-nodes/2'), (r) => r.status === 200, 3000, 'node B serving the new endpoint');
      assert.deepEqual((await b.api('/two-nodes/2')).body, { id: '2' });

      assert.equal((await a.api(`/endpoints/${created.body._id}`, { method: 'PUT', json: { inputMapping: { 'urlParams.id': 'changed' } } })).status, 200);
      assert.deepEqual((await a.api('/two-nodes/3')).body, { changed: '3' });
      await eventually(() => b.api('/two-nodes/4'), (r) => r.body?.changed === '4', 3000, 'node B serving the updated definition');

      assert.equal((await a.api(`/endpoints/${created.body._id}`, { method: 'DELETE' })).status, 200);
      assert.equal((await a.api('/two-nodes/5')).status, 404);
      await eventually(() => b.api('/two-nodes/6'), (r) => r.status === 404, 3000, 'node B no longer serving the deleted endpoint');
    });
  });
} else {
  test('endpoints on two nodes over one PostgreSQL database', { skip: 'PostgreSQL is unreachable (see the notice above)' }, () => {});
}
