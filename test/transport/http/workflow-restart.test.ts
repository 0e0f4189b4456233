import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { backends } from '../../helpers/backends.js';
import { freshDatabase, startWeft, eventually, TEST_KEY } from '../../helpers/weft.js';
import { freePort, startChildWeft } from '../../helpers/child-weft.js';
import { startReceiver, type Callback, type Receiver } from '../../engine/process/callback-receiver.js';

// Durability (issue 4): a restart in the middle of a process — a delivery waiting for its retry, a
// timer not yet due, a workitem out with its participant — loses nothing, and the process goes on.

const P = (ref: string) => ['participant', { ref }, []];
// The wait must outlast bringing the process to the middle and stopping the node: 1 s was too short on a loaded machine.
const DEFINITION = ['define', {}, [['concurrence', {}, [P('alpha'), P('charlie'), ['sequence', {}, [['wait', { '3s': null }, []], P('bravo')]]]]]];

async function api(url: string, path: string, init: { method?: string; json?: unknown } = {}) {
  const res = await fetch(url + path, {
    method: init.method ?? 'GET',
    headers: { 'x-api-key': TEST_KEY, ...(init.json !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: init.json !== undefined ? JSON.stringify(init.json) : undefined,
  });
  const text = await res.text();
  let body: any = text;
  try {
    body = JSON.parse(text);
  } catch {
    // text
  }
  return { status: res.status, body };
}

const activeOk = (rx: Receiver, wfid: string, participant: string) =>
  rx.next((c) => c.body.workflow_id === wfid && c.body.participant === participant && c.body.status === 'active' && c.answered === 200, 10000, participant);

/** Launches the process and brings it to the middle: alpha's first delivery failed (retry pending), charlie delivered, bravo's wait running. */
async function launchAndHalt(rx: Receiver, url: string): Promise<{ wfid: string; charlie: Callback; alphaId: string }> {
  rx.respond = (path, nth) => (path === '/alpha' && nth === 1 ? 503 : 200);
  const r = await api(url, '/v1/workflows', {
    method: 'POST',
    json: { workflow: DEFINITION, callbacks: { alpha: `${rx.url}/alpha`, bravo: `${rx.url}/bravo`, charlie: `${rx.url}/charlie` } },
  });
  assert.equal(r.status, 201);
  const wfid = r.body.id;
  const charlie = await activeOk(rx, wfid, 'charlie');
  const failed = await rx.next((c) => c.body.workflow_id === wfid && c.body.participant === 'alpha');
  assert.equal(failed.answered, 503);
  // Let the failed attempt be recorded.
  await eventually(() => api(url, `/v1/workflows/${wfid}`), (g) => g.body.workitems.find((w: any) => w.participant === 'alpha')?.delivery?.attempts === 1, 5000, 'first attempt recorded');
  return { wfid, charlie, alphaId: failed.headers['webhook-id'] as string };
}

/** Nothing of the rest happened before the stop: it is all up to the next run. */
function assertHalted(rx: Receiver, wfid: string) {
  const mine = rx.calls.filter((c) => c.body.workflow_id === wfid);
  assert.equal(mine.filter((c) => c.body.participant === 'alpha' && c.answered === 200).length, 0, 'alpha not yet delivered');
  assert.equal(mine.filter((c) => c.body.participant === 'bravo').length, 0, 'bravo not yet reached');
}

/** After the restart: alpha's retry (same webhook-id), bravo after its wait, charlie proceeds with its old URL. */
async function finishAfterRestart(rx: Receiver, url: string, halted: { wfid: string; charlie: Callback; alphaId: string }, proceedUrl: (cb: Callback) => string) {
  const { wfid } = halted;
  const alpha = await activeOk(rx, wfid, 'alpha');
  assert.equal(alpha.headers['webhook-id'], halted.alphaId, 'the retry keeps its webhook-id');
  const bravo = await activeOk(rx, wfid, 'bravo');
  for (const cb of [halted.charlie, alpha, bravo]) {
    const res = await fetch(proceedUrl(cb), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ fields: { [cb.body.participant]: 'done' } }) });
    assert.equal(res.status, 201, `${cb.body.participant}: ${await res.text()}`);
  }
  const done = await eventually(() => api(url, `/v1/workflows/${wfid}`), (g) => g.body.status === 'completed', 5000, 'completed');
  assert.deepEqual(done.body.errors, []);
  for (const p of ['alpha', 'bravo', 'charlie']) {
    assert.equal(rx.calls.filter((c) => c.body.workflow_id === wfid && c.body.participant === p && c.answered === 200).length, 1, `${p} delivered once`);
  }
}

for (const backend of await backends()) {
  describe(`processes across a restart on ${backend.name}`, () => {
    test('stop and start again on the same database: deliveries, timers and workitems carry on', async () => {
      const db = freshDatabase(backend);
      const rx = await startReceiver();
      const env = { WEFT_CALLBACK_RETRY_DELAYS: '0.5' };
      try {
        const first = await startWeft(db, env);
        const halted = await launchAndHalt(rx, first.url);
        await first.stop();
        assertHalted(rx, halted.wfid);
        const second = await startWeft(db, env);
        try {
          await finishAfterRestart(rx, second.url, halted, (cb) => {
            const u = new URL(cb.body.proceed_url);
            return second.url + u.pathname + u.search;
          });
        } finally {
          await second.stop();
        }
      } finally {
        await rx.close();
        await db.cleanup();
      }
    });

    test('kill -9 in the middle of a process: after the restart it continues and no callback is lost', async () => {
      const db = freshDatabase(backend);
      const rx = await startReceiver();
      const port = await freePort();
      const env = { ...db.env, WEFT_API_KEYS: TEST_KEY, WEFT_PORT: String(port), WEFT_PUBLIC_URL: `http://127.0.0.1:${port}`, WEFT_CALLBACK_RETRY_DELAYS: '0.5' };
      try {
        const first = await startChildWeft(env);
        const halted = await launchAndHalt(rx, first.url);
        first.child.kill('SIGKILL');
        await first.exited;
        assertHalted(rx, halted.wfid);
        const second = await startChildWeft(env);
        try {
          // The proceed_url given before the crash works as it was.
          await finishAfterRestart(rx, second.url, halted, (cb) => cb.body.proceed_url);
        } finally {
          second.child.kill('SIGTERM');
          assert.equal((await second.exited).code, 0, 'SIGTERM drains the delivery and timer loops and exits cleanly');
        }
      } finally {
        await rx.close();
        await db.cleanup();
      }
    });
  });
}
