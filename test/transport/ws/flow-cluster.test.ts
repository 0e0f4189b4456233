import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { postgresBackend, postgresReachable } from '../../helpers/backends.js';
import { freshDatabase, startWeft } from '../../helpers/weft.js';
import { flowApi, flowBody, openFlowSocket, type FlowSocket } from '../../engine/flow/flow-test-kit.js';

// Several nodes over one PostgreSQL (SQLite is one node by design): transitions sent to both nodes
// at once still apply one at a time on the instance's row, and changes reach subscribers on every
// node in commit order (NOTIFY inside the transaction).

if (await postgresReachable()) {
  describe('flows on two nodes over one PostgreSQL', () => {
    test('120 transitions split between two nodes: none lost, none applied twice; subscribers on each node see every change in order', async () => {
      const db = freshDatabase(postgresBackend);
      const a = await startWeft(db);
      const b = await startWeft(db);
      const sockets: FlowSocket[] = [];
      try {
        const api = flowApi(a, 'cluster');
        await api.define(flowBody('ring', ['s0', 'r0', 'r1', 'r2'], [['begin', 's0', 'r0', 'automatic'], ['next', 'r0', 'r1'], ['next', 'r1', 'r2'], ['next', 'r2', 'r0']]));
        const i = await api.start('ring', 'node-test');
        // One subscriber per node: each must see all 120 changes, whichever node committed them.
        const watchers = [await openFlowSocket(a, 'cluster'), await openFlowSocket(b, 'cluster')];
        for (const w of watchers) assert.equal((await w.request('subscribe', { flow_instance_id: i.id })).status, 200);
        sockets.push(...watchers);
        const senders: FlowSocket[] = [];
        for (let k = 0; k < 12; k++) senders.push(await openFlowSocket(k % 2 ? b : a, 'cluster'));
        sockets.push(...senders);
        const answers = await Promise.all(
          senders.flatMap((s, k) =>
            Array.from({ length: 10 }, (_, n) => s.request('transition', { flow_instance_id: i.id, transition_schema_identifier: 'next' }, `c${k}-${n}`)),
          ),
        );
        assert.ok(answers.every((r) => r.status === 200));
        const seqs = answers.map((r) => r.data.instance.seq).sort((x, y) => x - y);
        assert.deepEqual(
          seqs,
          Array.from({ length: 120 }, (_, k) => k + 2),
        );
        const final = (await flowApi(b, 'cluster').get(`/v1/flow-instances/${i.id}`)).body;
        // 120 moves round a ring of three end where they started.
        assert.deepEqual([final.seq, final.steps], [121, { s0: 'completed', r0: 'active', r1: 'completed', r2: 'completed' }]);
        const history = (await api.get(`/v1/flow-instances/${i.id}/history`)).body.history;
        assert.equal(history.length, 121);
        for (const w of watchers) {
          const seen = (await w.waitEvents(120)).filter((e) => e.data.id === i.id).map((e) => e.data.seq);
          assert.deepEqual(
            seen,
            Array.from({ length: 120 }, (_, k) => k + 2),
          );
        }
      } finally {
        await Promise.all(sockets.map((s) => s.close()));
        await a.stop();
        await b.stop();
        await db.cleanup();
      }
    });
  });
}
