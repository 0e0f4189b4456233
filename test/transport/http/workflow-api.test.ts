import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { backends } from '../../helpers/backends.js';
import { freshDatabase, startWeft, eventually, TEST_KEY, type RunningWeft, type Database } from '../../helpers/weft.js';
import { startReceiver, type Receiver } from '../../engine/process/callback-receiver.js';
import { isWfid, parseWorkitemId } from '../../../src/core/process/process-ids.js';

const form = (pairs: Record<string, string>) => ({
  body: new URLSearchParams(pairs).toString(),
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
});

for (const backend of await backends()) {
  describe(`workflows API v1 on ${backend.name}`, () => {
    let db: Database;
    let weft: RunningWeft;
    let rx: Receiver;
    before(async () => {
      db = freshDatabase(backend);
      rx = await startReceiver();
      weft = await startWeft(db, { WEFT_CALLBACK_RETRY_DELAYS: '0.05,0.05,0.1', WEFT_CALLBACK_TIMEOUT_MS: '2000' });
    });
    after(async () => {
      await weft.stop();
      await rx.close();
      await db.cleanup();
    });

    const launch = (json: unknown) => weft.api('/v1/workflows', { method: 'POST', json });
    // proceed_url starts with the public address (http://localhost:0 here, as the port is drawn at listen).
    const local = (url: string) => {
      const u = new URL(url);
      return weft.url + u.pathname + u.search;
    };
    const proceed = (url: string, fields?: Record<string, unknown>) =>
      fetch(local(url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(fields === undefined ? {} : { fields }) });

    test('the seed example: form-encoded XML launch, the callback, proceed by proceed_url, completed', async () => {
      const r = await weft.api('/v1/workflows', {
        method: 'POST',
        ...form({ workflow: '<process-definition name="aaa"><participant ref="alpha" /></process-definition>', 'callbacks[alpha]': `${rx.url}/callbacks/alpha` }),
      });
      assert.equal(r.status, 201);
      assert.deepEqual(Object.keys(r.body), ['id']);
      const wfid = r.body.id;
      assert.ok(isWfid(wfid), wfid);

      const cb = await rx.next((c) => c.body.workflow_id === wfid);
      assert.equal(cb.path, '/callbacks/alpha');
      assert.equal(cb.headers['content-type'], 'application/json');
      assert.deepEqual(Object.keys(cb.body), ['workflow_id', 'workitem_id', 'participant', 'status', 'fields', 'proceed_url']);
      const ids = parseWorkitemId(cb.body.workitem_id);
      assert.ok(ids, cb.body.workitem_id);
      assert.equal(ids.wfid, wfid);
      assert.equal(ids.expid, '0_0');
      assert.equal(cb.body.participant, 'alpha');
      assert.equal(cb.body.status, 'active');
      assert.deepEqual(cb.body.fields, { params: { ref: 'alpha' } });
      assert.ok(cb.body.proceed_url.startsWith(`${weft.settings.publicUrl}/v1/workflows/${wfid}/workitems/${cb.body.workitem_id}/proceed?token=`), cb.body.proceed_url);

      const res = await proceed(cb.body.proceed_url);
      assert.equal(res.status, 201);
      assert.equal(await res.text(), 'OK');
      const done = await eventually(() => weft.api(`/v1/workflows/${wfid}`), (g) => g.body.status === 'completed');
      assert.equal(done.body.name, 'aaa');
      assert.ok(done.body.ended_at);
    });
  });
}
