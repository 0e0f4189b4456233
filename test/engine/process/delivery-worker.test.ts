import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileSettings } from '../../../src/engine/settings.js';
import { DEFAULT_RETRY_DELAYS, retryDelayMs } from '../../../src/engine/process/delivery-worker.js';
import { backends } from '../../helpers/backends.js';
import { freshDatabase, startWeft, eventually } from '../../helpers/weft.js';
import { rawQuery } from '../../helpers/raw-sql.js';
import { startReceiver } from './callback-receiver.js';

test('the default retry schedule is n^5 + 30 seconds for retries 0…10, about 2.6 days in all', () => {
  assert.deepEqual([...DEFAULT_RETRY_DELAYS], [30, 31, 62, 273, 1054, 3155, 7806, 16837, 32798, 59079, 100030]);
  const settings = compileSettings({}, {});
  assert.equal(retryDelayMs(settings, 0), 30_000);
  assert.equal(retryDelayMs(settings, 10), 100_030_000);
  assert.equal(retryDelayMs(settings, 11), null, 'then the participant errors');
  const days = DEFAULT_RETRY_DELAYS.reduce((a, b) => a + b, 0) / 86400;
  assert.ok(days > 2.5 && days < 2.7, String(days));
});

test('WEFT_CALLBACK_RETRY_DELAYS replaces the schedule', () => {
  const settings = compileSettings({}, { WEFT_CALLBACK_RETRY_DELAYS: '0.2,0.2,0.5' });
  assert.deepEqual([0, 1, 2, 3].map((n) => retryDelayMs(settings, n)), [200, 200, 500, null]);
});

// A backlog of deliveries (a slow participant, many processes) stays in the outbox beyond what the
// sender has in flight: steps insert their deliveries unclaimed once it sends its most, and the
// sender claims them as its sends finish — none waits in memory while its lease runs out.
test('a step claims its deliveries only while the sender has room; the rest are sent from the outbox', async () => {
  const db = freshDatabase((await backends()).find((b) => b.name === 'sqlite')!);
  const rx = await startReceiver();
  const weft = await startWeft(db, { WEFT_CALLBACK_TIMEOUT_MS: '2000', WEFT_CALLBACK_RETRY_DELAYS: '0.1,0.1,0.1' });
  try {
    let hang = true;
    rx.respond = () => (hang ? 0 : 200);
    const definition = ['define', {}, [['participant', { ref: 'alpha' }, []]]];
    const wfids: string[] = [];
    for (let i = 0; i < 200; i++) {
      const r = await weft.api('/v1/workflows', { method: 'POST', json: { workflow: definition, callback: `${rx.url}/slow` } });
      assert.equal(r.status, 201);
      wfids.push(r.body.id);
    }
    const leased = await rawQuery<{ n: number }>(db, "SELECT COUNT(*) AS n FROM process_deliveries WHERE state = 'pending' AND lease_owner IS NOT NULL");
    assert.ok(leased[0].n <= 130, `${leased[0].n} deliveries held by the sender (at most its 128 in flight)`);
    hang = false;
    const mine = new Set(wfids);
    const answered = await eventually(
      () => new Set(rx.calls.filter((c) => mine.has(c.body.workflow_id) && c.answered === 200).map((c) => c.body.workflow_id)).size,
      (n) => n === 200,
      15000,
      'every participant called back and answered',
    );
    assert.equal(answered, 200);
  } finally {
    await weft.stop();
    await rx.close();
    await db.cleanup();
  }
});
