import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import WebSocket from 'ws';
import { backends } from '../../helpers/backends.js';
import { freshDatabase, startWeft, eventually, OTHER_KEY, TEST_KEY, type RunningWeft, type Database } from '../../helpers/weft.js';
import { startReceiver, type Callback, type Receiver } from '../../engine/process/callback-receiver.js';
import { isWfid, parseWorkitemId } from '../../../src/core/process/process-ids.js';

// The workflows API v1 contract (issue 4) against a real server and a real participant on loopback.

const SIGNING_KEY = Buffer.from('weft-test-signing-key-0123456789');
const SECRET = `whsec_${SIGNING_KEY.toString('base64')}`;

const form = (pairs: Array<[string, string]>) => ({
  body: new URLSearchParams(pairs).toString(),
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
});

const P = (ref: string) => ['participant', { ref }, []];
const define = (...children: unknown[]) => ['define', {}, children];

for (const backend of await backends()) {
  describe(`workflows API v1 on ${backend.name}`, () => {
    let db: Database;
    let weft: RunningWeft;
    let rx: Receiver;
    before(async () => {
      db = freshDatabase(backend);
      rx = await startReceiver();
      weft = await startWeft(db, { WEFT_CALLBACK_RETRY_DELAYS: '0.05,0.05,0.1', WEFT_CALLBACK_TIMEOUT_MS: '500', WEFT_WEBHOOK_SECRET: SECRET });
    });
    after(async () => {
      await weft.stop();
      await rx.close();
      await db.cleanup();
    });

    const post = (path: string, json?: unknown, key?: string | null) => weft.api(path, { method: 'POST', json, key });
    const launch = async (workflow: unknown, extra: Record<string, unknown> = {}) => {
      const r = await post('/v1/workflows', { workflow, callback: `${rx.url}/all`, ...extra });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      return r.body.id as string;
    };
    const get = async (wfid: string) => (await weft.api(`/v1/workflows/${wfid}`)).body;
    const until = (wfid: string, pred: (p: any) => boolean, what = 'process state') => eventually(() => get(wfid), pred, 5000, what);
    const active = (wfid: string, participant: string) =>
      rx.next((c) => c.body.workflow_id === wfid && c.body.participant === participant && c.body.status === 'active' && c.answered >= 200 && c.answered < 300, 5000, `${participant} active`);
    // proceed_url starts with the public address (http://localhost:0 here: the port is drawn at listen).
    const local = (url: string) => {
      const u = new URL(url);
      return weft.url + u.pathname + u.search;
    };
    const proceed = async (cb: Callback, fields?: Record<string, unknown>) => {
      const res = await fetch(local(cb.body.proceed_url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(fields === undefined ? {} : { fields }) });
      return { status: res.status, text: await res.text() };
    };

    test('GET /v1/ping answers {"ping":"pong"} with a key, 403 without', async () => {
      const r = await weft.api('/v1/ping');
      assert.equal(r.status, 200);
      assert.deepEqual(r.body, { ping: 'pong' });
      assert.equal((await weft.api('/v1/ping', { key: null })).status, 403);
    });

    test('the seed example: form-encoded XML launch, the exact callback, proceed by proceed_url', async () => {
      const r = await weft.api('/v1/workflows', {
        method: 'POST',
        ...form([
          ['workflow', '<process-definition name="aaa"><participant ref="alpha" /></process-definition>'],
          ['callbacks[alpha]', `${rx.url}/callbacks/alpha`],
        ]),
      });
      assert.equal(r.status, 201);
      assert.deepEqual(Object.keys(r.body), ['id']);
      const wfid = r.body.id;
      assert.ok(isWfid(wfid), wfid);

      const cb = await active(wfid, 'alpha');
      assert.equal(cb.path, '/callbacks/alpha');
      assert.equal(cb.headers['content-type'], 'application/json');
      assert.deepEqual(Object.keys(cb.body), ['workflow_id', 'workitem_id', 'participant', 'status', 'fields', 'proceed_url']);
      const ids = parseWorkitemId(cb.body.workitem_id);
      assert.ok(ids, cb.body.workitem_id);
      assert.equal(ids.wfid, wfid);
      assert.equal(ids.expid, '0_0');
      assert.deepEqual(cb.body, {
        workflow_id: wfid,
        workitem_id: cb.body.workitem_id,
        participant: 'alpha',
        status: 'active',
        fields: { params: { ref: 'alpha' } },
        proceed_url: cb.body.proceed_url,
      });
      const prefix = `${weft.settings.publicUrl}/v1/workflows/${wfid}/workitems/${cb.body.workitem_id}/proceed?token=`;
      assert.ok(cb.body.proceed_url.startsWith(prefix), cb.body.proceed_url);
      assert.ok(cb.body.proceed_url.length - prefix.length >= 20, 'the token is long enough not to be guessed');

      assert.deepEqual(await proceed(cb), { status: 201, text: 'OK' });
      const done = await until(wfid, (p) => p.status === 'completed');
      assert.equal(done.name, 'aaa');
      assert.ok(done.ended_at);
      assert.deepEqual(done.workitems, []);
    });

    test('the callback carries webhook-id, webhook-timestamp and a webhook-signature that verifies with the secret', async () => {
      const wfid = await launch(define(P('sig')));
      const cb = await active(wfid, 'sig');
      const id = cb.headers['webhook-id'] as string;
      const ts = cb.headers['webhook-timestamp'] as string;
      assert.match(id, /^msg_[A-Za-z0-9_-]{16,}$/);
      assert.match(ts, /^\d+$/);
      assert.ok(Math.abs(Number(ts) - Date.now() / 1000) < 60);
      const expected = createHmac('sha256', SIGNING_KEY).update(`${id}.${ts}.${cb.raw}`).digest('base64');
      assert.equal(cb.headers['webhook-signature'], `v1,${expected}`);
      await proceed(cb);
      await until(wfid, (p) => p.status === 'completed');
    });

    test('POST /v1/workflows errors: workflow missing, invalid (with details), callback/callbacks missing or both', async () => {
      const cases: Array<[unknown, Record<string, unknown>]> = [
        [{ callback: `${rx.url}/x` }, { error: 'workflow is missing' }],
        [{ workflow: '', callback: `${rx.url}/x` }, { error: 'workflow is missing' }],
        [{ workflow: define(P('a')) }, { error: 'callback, callbacks are missing, exactly one parameter must be provided' }],
        [{ workflow: define(P('a')), callback: `${rx.url}/x`, callbacks: { a: `${rx.url}/a` } }, { error: 'callback, callbacks are missing, exactly one parameter must be provided' }],
      ];
      for (const [body, expected] of cases) {
        const r = await post('/v1/workflows', body);
        assert.equal(r.status, 400, JSON.stringify(body));
        assert.deepEqual(r.body, expected);
      }
      const bad = await post('/v1/workflows', { workflow: '<process-definition name="x"><participant ref="alpha">', callback: `${rx.url}/x` });
      assert.equal(bad.status, 400);
      assert.equal(bad.body.error, 'workflow is invalid');
      assert.equal(typeof bad.body.details.message, 'string');
      assert.ok(bad.body.details.message.length > 0);
      const radial = await post('/v1/workflows', { workflow: 'define\n\tparticipant alpha', callback: `${rx.url}/x` });
      assert.equal(radial.status, 400);
      assert.deepEqual(radial.body, { error: 'workflow is invalid', details: { message: 'tab in indentation: indent with spaces', line: 2, column: 1 } });
      const formMissing = await weft.api('/v1/workflows', { method: 'POST', ...form([['callback', `${rx.url}/x`]]) });
      assert.deepEqual([formMissing.status, formMissing.body], [400, { error: 'workflow is missing' }]);
      const formNoCallback = await weft.api('/v1/workflows', { method: 'POST', ...form([['workflow', 'define\n  alpha']]) });
      assert.deepEqual([formNoCallback.status, formNoCallback.body], [400, { error: 'callback, callbacks are missing, exactly one parameter must be provided' }]);
      assert.equal((await post('/v1/workflows', { workflow: define(P('a')), callback: `${rx.url}/x` }, null)).status, 403);
    });

    test('launch in JSON (array and text), XML and Radial, JSON or form-encoded with fields[x]', async () => {
      const json = await launch(define(P('fmt')), { fields: { via: 'json' } });
      assert.deepEqual((await active(json, 'fmt')).body.fields, { via: 'json', params: { ref: 'fmt' } });
      const text = await launch(JSON.stringify(['define', {}, [['fmt', {}, []]]]));
      assert.equal((await active(text, 'fmt')).body.participant, 'fmt');
      const xml = await launch('<define><participant ref="fmt" colour="red"/></define>');
      assert.deepEqual((await active(xml, 'fmt')).body.fields.params, { ref: 'fmt', colour: 'red' });
      const r = await weft.api('/v1/workflows', {
        method: 'POST',
        ...form([
          ['workflow', 'define\n  participant ref: fmt, colour: blue'],
          ['callback', `${rx.url}/form`],
          ['fields[x]', 'y'],
          ['fields[deep][k]', 'v'],
        ]),
      });
      assert.equal(r.status, 201);
      const cb = await active(r.body.id, 'fmt');
      assert.equal(cb.path, '/form');
      assert.deepEqual(cb.body.fields, { x: 'y', deep: { k: 'v' }, params: { ref: 'fmt', colour: 'blue' } });
      for (const wfid of [json, text, xml, r.body.id]) await proceed(await active(wfid, 'fmt'));
      for (const wfid of [json, text, xml, r.body.id]) await until(wfid, (p) => p.status === 'completed');
    });

    test('proceed merges fields over the workitem at the top level, new values winning; a second proceed is rejected', async () => {
      const wfid = await launch(define(['sequence', {}, [P('merge1'), P('merge2')]]), { fields: { a: 1, b: { x: 1 }, keep: true } });
      const first = await active(wfid, 'merge1');
      assert.deepEqual(await proceed(first, { b: { y: 2 }, c: 3 }), { status: 201, text: 'OK' });
      const second = await active(wfid, 'merge2');
      assert.deepEqual(second.body.fields, { a: 1, b: { y: 2 }, keep: true, c: 3, params: { ref: 'merge2' } });
      const again = await proceed(first, { z: 1 });
      assert.deepEqual([again.status, JSON.parse(again.text)], [400, { error: 'workitem_id not found' }]);
      await proceed(second);
      const done = await until(wfid, (p) => p.status === 'completed');
      assert.deepEqual(done.fields, { a: 1, b: { y: 2 }, keep: true, c: 3 });
    });

    test('proceed: workflow_id is mismatched, workitem_id not found, token or key, 403 otherwise', async () => {
      const a = await launch(define(P('mm')));
      const b = await launch(define(P('mm')));
      const cbA = await active(a, 'mm');
      const cbB = await active(b, 'mm');
      const wrongProcess = await post(`/v1/workflows/${b}/workitems/${cbA.body.workitem_id}/proceed`, {});
      assert.deepEqual([wrongProcess.status, wrongProcess.body], [400, { error: 'workflow_id is mismatched' }]);
      const unknown = await post(`/v1/workflows/${a}/workitems/0_5!0123456789abcdef0123456789abcdef!${a}/proceed`, {});
      assert.deepEqual([unknown.status, unknown.body], [400, { error: 'workitem_id not found' }]);
      const garbage = await post(`/v1/workflows/${a}/workitems/nothing/proceed`, {});
      assert.deepEqual([garbage.status, garbage.body], [400, { error: 'workitem_id not found' }]);

      const path = `/v1/workflows/${a}/workitems/${cbA.body.workitem_id}/proceed`;
      const noAuth = await post(path, {}, null);
      assert.equal(noAuth.status, 403);
      assert.deepEqual(noAuth.body, { error: 'Forbidden', message: 'Forbidden' });
      const badToken = await post(`${path}?token=wrong`, {}, null);
      assert.equal(badToken.status, 403);
      const badKey = await post(path, {}, 'not-a-key');
      assert.equal(badKey.status, 403);
      // A key of another workspace does not see the process, nor does it make a wrong token good.
      const otherKey = await post(path, {}, OTHER_KEY);
      assert.deepEqual([otherKey.status, otherKey.body], [400, { error: 'workitem_id not found' }]);
      assert.equal((await post(`${path}?token=wrong`, {}, OTHER_KEY)).status, 403);
      // With the process's key, no token is needed, and a wrong one does not stop it.
      const withKey = await weft.api(`${path}?token=wrong`, { method: 'POST', json: { fields: { by: 'key' } }, key: TEST_KEY });
      assert.deepEqual([withKey.status, withKey.text], [201, 'OK']);
      assert.equal((await until(a, (p) => p.status === 'completed')).fields.by, 'key');
      // And form-encoded fields with the token.
      const res = await fetch(local(cbB.body.proceed_url), { method: 'POST', ...form([['fields[status]', 'successful']]) });
      assert.deepEqual([res.status, await res.text()], [201, 'OK']);
      assert.equal((await until(b, (p) => p.status === 'completed')).fields.status, 'successful');
    });

    test('a delivery answered with errors is retried on the schedule with the same webhook-id until a 2xx', async () => {
      rx.respond = (path, nth) => (path === '/flaky' && nth <= 2 ? 503 : 200);
      try {
        const wfid = await launch(define(P('flaky')), { callback: undefined, callbacks: { flaky: `${rx.url}/flaky` } });
        const ok = await active(wfid, 'flaky');
        const attempts = rx.calls.filter((c) => c.body.workflow_id === wfid);
        assert.deepEqual(attempts.map((c) => c.answered), [503, 503, 200]);
        assert.equal(new Set(attempts.map((c) => c.headers['webhook-id'])).size, 1, 'one webhook-id on every attempt');
        assert.equal(new Set(attempts.map((c) => c.raw)).size, 1, 'the same body on every attempt');
        const view = await until(wfid, (p) => p.workitems[0]?.delivery?.state === 'delivered');
        assert.equal(view.workitems[0].delivery.attempts, 3);
        assert.equal(view.workitems[0].delivery.last_error, null);
        assert.equal(view.workitems[0].delivery.next_attempt_at, null);
        await proceed(ok);
        await until(wfid, (p) => p.status === 'completed');
      } finally {
        rx.respond = () => 200;
      }
    });

    test('a delivery without an answer within WEFT_CALLBACK_TIMEOUT_MS is retried', async () => {
      rx.respond = (path, nth) => (path === '/hang' && nth === 1 ? 0 : 200);
      try {
        // The failed attempt is seen through its event: the retry, 50 ms later, may succeed before a poll.
        const retrying = weft.engine.bus.once('callback:retrying', (e) => e.participant === 'hang');
        const wfid = await launch(define(P('hang')), { callback: `${rx.url}/hang` });
        const event = await retrying;
        assert.deepEqual([event.wfid, event.attempts, event.error], [wfid, 1, 'no answer within 500 ms']);
        const ok = await active(wfid, 'hang');
        const attempts = rx.calls.filter((c) => c.body.workflow_id === wfid);
        assert.deepEqual(attempts.map((c) => c.answered), [0, 200]);
        assert.equal(attempts[0].headers['webhook-id'], attempts[1].headers['webhook-id']);
        const delivered = await until(wfid, (p) => p.workitems[0]?.delivery?.state === 'delivered');
        assert.deepEqual([delivered.workitems[0].delivery.attempts, delivered.workitems[0].delivery.last_error], [2, null]);
        await proceed(ok);
        await until(wfid, (p) => p.status === 'completed');
      } finally {
        rx.respond = () => 200;
      }
    });

    test('redeliver sends a pending delivery at once instead of at its next retry', async () => {
      // A second server whose first retry is a minute away.
      const other = freshDatabase(backend);
      const slow = await startWeft(other, { WEFT_CALLBACK_RETRY_DELAYS: '60' });
      rx.respond = (path, nth) => (path === '/later' && nth === 1 ? 500 : 200);
      try {
        const r = await slow.api('/v1/workflows', { method: 'POST', json: { workflow: define(P('later')), callback: `${rx.url}/later` } });
        const wfid = r.body.id;
        const pending = await eventually(() => slow.api(`/v1/workflows/${wfid}`), (g) => g.body.workitems[0]?.delivery?.attempts === 1, 5000, 'first attempt');
        const wid = pending.body.workitems[0].workitem_id;
        assert.equal(pending.body.workitems[0].delivery.state, 'pending');
        const now = await slow.api(`/v1/workflows/${wfid}/workitems/${wid}/redeliver`, { method: 'POST' });
        assert.deepEqual([now.status, now.text], [201, 'OK']);
        const ok = await active(wfid, 'later');
        assert.equal(ok.headers['webhook-id'], rx.calls.find((c) => c.body.workflow_id === wfid)!.headers['webhook-id']);
        await eventually(() => slow.api(`/v1/workflows/${wfid}`), (g) => g.body.workitems[0]?.delivery?.state === 'delivered', 5000, 'delivered');
        const again = await slow.api(`/v1/workflows/${wfid}/workitems/${wid}/redeliver`, { method: 'POST' });
        assert.deepEqual([again.status, again.body], [400, { error: 'no delivery waiting for workitem_id' }]);
        const elsewhere = await slow.api(`/v1/workflows/20990101-0000-kogadeso-gekunute/workitems/${wid}/redeliver`, { method: 'POST' });
        assert.deepEqual([elsewhere.status, elsewhere.body], [400, { error: 'workflow_id is mismatched' }]);
      } finally {
        rx.respond = () => 200;
        await slow.stop();
        await other.cleanup();
      }
    });

    test('when the retries are exhausted the participant errors and the process is in error; GET shows the delivery', async () => {
      rx.respond = (path) => (path === '/down' ? 500 : 200);
      const socket = new WebSocket(`${weft.wsUrl}/ws/events?api_key=${TEST_KEY}`);
      try {
        const events: Array<{ event: string; data: Record<string, any> }> = [];
        socket.on('message', (d) => events.push(JSON.parse(d.toString())));
        await new Promise((r, j) => (socket.on('open', r), socket.on('error', j)));
        const failed = weft.engine.bus.once('callback:failed', (e) => e.workitemId.endsWith(''));
        const wfid = await launch(define(P('down')), { callback: `${rx.url}/down` });
        const pending = await until(wfid, (p) => p.workitems[0]?.delivery?.attempts >= 1, 'a failed attempt');
        assert.equal(pending.workitems[0].delivery.last_error, 'HTTP 500');
        // Listed among the workspace's failing deliveries while it waits for its next attempt.
        const listed = (await weft.api('/v1/deliveries?failing=true')).body.deliveries.find((d: any) => d.workflow_id === wfid);
        if (listed?.state === 'pending') {
          assert.deepEqual(
            { ...listed, webhook_id: typeof listed.webhook_id, attempts: listed.attempts >= 1, next_attempt_at: typeof listed.next_attempt_at, created_at: typeof listed.created_at },
            {
              webhook_id: 'string', workflow_id: wfid, workitem_id: pending.workitems[0].workitem_id, participant: 'down', status: 'active', url: `${rx.url}/down`,
              state: 'pending', attempts: true, next_attempt_at: 'string', last_error: 'HTTP 500', created_at: 'string', finished_at: null,
            },
          );
        } else assert.equal(listed?.state, undefined, 'gave up already: no longer pending');
        const view = await until(wfid, (p) => p.status === 'error', 'error status');
        // One attempt, then one per configured retry (3), each no sooner than its delay (0.05, 0.05, 0.1 s).
        const attempts = rx.calls.filter((c) => c.body.workflow_id === wfid);
        assert.equal(attempts.length, 4);
        const gaps = attempts.slice(1).map((c, i) => c.at - attempts[i].at);
        [50, 50, 100].forEach((delay, i) => assert.ok(gaps[i] >= delay - 5, `retry ${i} came ${gaps[i]} ms after the previous attempt`));
        assert.equal(view.errors.length, 1);
        assert.match(view.errors[0].message, /HTTP 500/);
        assert.equal(typeof view.errors[0].id, 'string');
        assert.ok(view.errors[0].at);
        const event = await failed;
        assert.equal(event.wfid, wfid);
        assert.equal(event.error, 'HTTP 500');
        const listedProcesses = await weft.api('/v1/workflows?status=error');
        assert.ok(listedProcesses.body.workflows.some((w: any) => w.id === wfid));
        const gaveUp = (await weft.api('/v1/deliveries?state=failed')).body.deliveries.find((d: any) => d.workflow_id === wfid);
        assert.deepEqual([gaveUp.attempts, gaveUp.last_error, gaveUp.next_attempt_at, typeof gaveUp.finished_at], [4, 'HTTP 500', null, 'string']);
        assert.equal((await weft.api('/v1/deliveries?failing=true')).body.deliveries.some((d: any) => d.workflow_id === wfid), false, 'no longer pending');
        assert.equal((await weft.api('/v1/deliveries?state=failed', { key: OTHER_KEY })).body.deliveries.some((d: any) => d.workflow_id === wfid), false, "another key's workspace");
        // Each failed attempt with a retry left was pushed, then the one that gave up.
        const mine = await eventually(
          () => events.filter((e) => e.data.wfid === wfid && e.event.startsWith('callback.')),
          (e) => e.length === 4,
          5000,
          'three retrying events and a failed one',
        );
        assert.deepEqual(
          mine.map((e) => [e.event, e.data.attempts, e.data.error]),
          [['callback.retrying', 1, 'HTTP 500'], ['callback.retrying', 2, 'HTTP 500'], ['callback.retrying', 3, 'HTTP 500'], ['callback.failed', undefined, 'HTTP 500']],
        );
        assert.equal(typeof mine[0].data.next_attempt_at, 'string');
      } finally {
        socket.close();
        rx.respond = () => 200;
      }
    });

    test('exhausted retries are handled by the participant\'s on_error when it has one', async () => {
      rx.respond = (path) => (path === '/gone' ? 500 : 200);
      try {
        const wfid = await launch(define(['participant', { ref: 'gone', on_error: 'fallback' }, []]), {
          callback: undefined,
          callbacks: { gone: `${rx.url}/gone`, fallback: `${rx.url}/fallback` },
        });
        const cb = await active(wfid, 'fallback');
        assert.equal(rx.calls.filter((c) => c.body.workflow_id === wfid && c.body.participant === 'gone').length, 4);
        assert.ok(cb.body.fields.__error__, JSON.stringify(cb.body.fields));
        assert.equal((await get(wfid)).status, 'running');
        await proceed(cb);
        const done = await until(wfid, (p) => p.status === 'completed');
        assert.deepEqual(done.errors, []);
      } finally {
        rx.respond = () => 200;
      }
    });

    test('a participant past its timeout gets a timeout callback and the process goes on', async () => {
      const wfid = await launch(define(['participant', { ref: 'slow', timeout: '0.3s' }, []], P('next')));
      const first = await active(wfid, 'slow');
      const timedOut = await rx.next((c) => c.body.workflow_id === wfid && c.body.status === 'timeout');
      assert.equal(timedOut.body.workitem_id, first.body.workitem_id);
      assert.equal(timedOut.body.participant, 'slow');
      const next = await active(wfid, 'next');
      assert.ok(next.body.fields.__timed_out__, JSON.stringify(next.body.fields));
      const late = await proceed(first);
      assert.deepEqual([late.status, JSON.parse(late.text)], [400, { error: 'workitem_id not found' }]);
      await proceed(next);
      await until(wfid, (p) => p.status === 'completed');
    });

    test('a participant without a callback URL puts its branch in error; the other branch goes on', async () => {
      const wfid = await launch(define(['concurrence', {}, [P('known'), P('unknown')]]), { callback: undefined, callbacks: { known: `${rx.url}/known` } });
      const cb = await active(wfid, 'known');
      const view = await until(wfid, (p) => p.status === 'error');
      assert.equal(view.errors.length, 1);
      assert.match(view.errors[0].message, /unknown/);
      assert.deepEqual(view.workitems.map((w: any) => w.participant), ['known']);
      assert.equal(rx.calls.filter((c) => c.body.workflow_id === wfid && c.body.participant === 'unknown').length, 0);
      assert.deepEqual(await proceed(cb), { status: 201, text: 'OK' });
      const after = await until(wfid, (p) => p.workitems.length === 0);
      assert.equal(after.status, 'error');
    });

    test('cancel: every active participant gets a cancel callback, the process ends cancelled, a second cancel is 400', async () => {
      const wfid = await launch(define(['concurrence', {}, [P('c1'), P('c2')]]));
      const one = await active(wfid, 'c1');
      const two = await active(wfid, 'c2');
      const r = await post(`/v1/workflows/${wfid}/cancel`);
      assert.deepEqual([r.status, r.text], [201, 'OK']);
      const cancels = await rx.count((c) => c.body.workflow_id === wfid && c.body.status === 'cancel', 2);
      assert.deepEqual(cancels.map((c) => c.body.participant).sort(), ['c1', 'c2']);
      const c1 = cancels.find((c) => c.body.participant === 'c1')!;
      assert.equal(c1.body.workitem_id, one.body.workitem_id);
      assert.notEqual(c1.headers['webhook-id'], one.headers['webhook-id']);
      assert.deepEqual(Object.keys(c1.body), ['workflow_id', 'workitem_id', 'participant', 'status', 'fields', 'proceed_url']);
      const view = await until(wfid, (p) => p.status === 'cancelled');
      assert.ok(view.ended_at);
      const again = await post(`/v1/workflows/${wfid}/cancel`);
      assert.deepEqual([again.status, again.body], [400, { error: 'workflow_id not found' }]);
      const unknown = await post('/v1/workflows/20990101-0000-kogadeso-gekunute/cancel');
      assert.deepEqual([unknown.status, unknown.body], [400, { error: 'workflow_id not found' }]);
      const late = await proceed(two);
      assert.deepEqual([late.status, JSON.parse(late.text)], [400, { error: 'workitem_id not found' }]);
    });

    test('kill ends the process without cancel callbacks; pause holds proceeds until resume', async () => {
      const killed = await launch(define(P('k1')));
      await active(killed, 'k1');
      assert.equal((await post(`/v1/workflows/${killed}/kill`)).status, 201);
      await until(killed, (p) => p.status === 'cancelled');
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(rx.calls.filter((c) => c.body.workflow_id === killed && c.body.status === 'cancel').length, 0);
      assert.deepEqual((await post(`/v1/workflows/${killed}/kill`)).body, { error: 'workflow_id not found' });

      const wfid = await launch(define(['sequence', {}, [P('p1'), P('p2')]]));
      const cb = await active(wfid, 'p1');
      assert.equal((await post(`/v1/workflows/${wfid}/pause`)).status, 201);
      assert.equal((await get(wfid)).paused, true);
      assert.equal((await proceed(cb)).status, 201);
      const twice = await proceed(cb);
      assert.deepEqual([twice.status, JSON.parse(twice.text)], [400, { error: 'workitem_id not found' }], 'a second proceed is an error while paused too');
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(rx.calls.filter((c) => c.body.workflow_id === wfid && c.body.participant === 'p2').length, 0);
      assert.equal((await post(`/v1/workflows/${wfid}/resume`)).status, 201);
      await proceed(await active(wfid, 'p2'));
      await until(wfid, (p) => p.status === 'completed');
      assert.deepEqual((await post(`/v1/workflows/${wfid}/pause`)).body, { error: 'workflow_id not found' });
    });

    test('a wait timer fires and the process moves on; echo fills the trace', async () => {
      const wfid = await launch(define(['echo', { before: null }, []], ['wait', { '0.3s': null }, []], ['echo', { after: null }, []], P('waited')));
      const launchedAt = Date.now();
      const view = await get(wfid);
      assert.deepEqual(view.trace, ['before']);
      const cb = await active(wfid, 'waited');
      assert.ok(Date.now() - launchedAt >= 250, 'not before the wait');
      assert.deepEqual((await get(wfid)).trace, ['before', 'after']);
      await proceed(cb);
      await until(wfid, (p) => p.status === 'completed');
    });

    test('GET /v1/workflows/:wfid shows the process; GET /v1/workflows lists by status', async () => {
      const wfid = await launch(['define', { name: 'shown', revision: '3' }, [P('show')]], { fields: { f: 1 }, variables: { v: 2 } });
      const cb = await active(wfid, 'show');
      const view = await until(wfid, (p) => p.workitems[0]?.delivery?.state === 'delivered');
      assert.deepEqual(Object.keys(view).sort(), ['definition', 'ended_at', 'errors', 'fields', 'id', 'launched_at', 'name', 'paused', 'revision', 'status', 'trace', 'tree', 'variables', 'workitems'].sort());
      assert.equal(view.id, wfid);
      assert.equal(view.name, 'shown');
      assert.equal(view.revision, '3');
      assert.equal(view.status, 'running');
      assert.equal(view.ended_at, null);
      assert.ok(!Number.isNaN(Date.parse(view.launched_at)));
      assert.equal(view.variables.v, 2);
      assert.deepEqual(view.tree[0], 'define');
      assert.equal(view.workitems.length, 1);
      const w = view.workitems[0];
      assert.equal(w.workitem_id, cb.body.workitem_id);
      assert.equal(w.participant, 'show');
      assert.deepEqual(w.fields, { f: 1, params: { ref: 'show' } });
      assert.equal(w.proceed_url, cb.body.proceed_url);
      assert.ok(!Number.isNaN(Date.parse(w.dispatched_at)));
      assert.deepEqual(w.delivery, { state: 'delivered', attempts: 1, next_attempt_at: null, last_error: null });

      const running = await weft.api('/v1/workflows?status=running');
      assert.equal(running.status, 200);
      assert.ok(running.body.workflows.some((p: any) => p.id === wfid && p.status === 'running'));
      assert.ok(!(await weft.api('/v1/workflows?status=completed')).body.workflows.some((p: any) => p.id === wfid));
      assert.deepEqual((await weft.api('/v1/workflows?status=sleeping')).body, { error: 'status is invalid' });
      const missing = await weft.api('/v1/workflows/20990101-0000-kogadeso-gekunute');
      assert.deepEqual([missing.status, missing.body], [404, { error: 'workflow not found' }]);
      assert.equal((await weft.api(`/v1/workflows/${wfid}`, { key: OTHER_KEY })).status, 404);
      await proceed(cb);
      await until(wfid, (p) => p.status === 'completed');
    });

    test('a process that ends itself with terminate is cancelled, one of the contract\'s four statuses', async () => {
      const wfid = await launch(define(['sequence', {}, [['echo', { before: null }, []], ['terminate', {}, []], ['echo', { after: null }, []]]]));
      const view = await until(wfid, (p) => p.status !== 'running');
      assert.deepEqual([view.status, view.trace], ['cancelled', ['before']]);
      assert.notEqual(view.ended_at, null);
      assert.ok((await weft.api('/v1/workflows?status=cancelled')).body.workflows.some((p: any) => p.id === wfid));
      assert.deepEqual((await weft.api('/v1/workflows?status=terminated')).body, { error: 'status is invalid' });
    });

    test('replay at an error with a corrected tree', async () => {
      const wfid = await launch(define(['sequence', {}, [['error', { broken: null }, []], P('after-replay')]]));
      const view = await until(wfid, (p) => p.status === 'error');
      assert.equal(view.errors.length, 1);
      const missing = await post(`/v1/workflows/${wfid}/errors/nope/replay`, {});
      assert.deepEqual([missing.status, missing.body], [400, { error: 'error not found' }]);
      const r = await post(`/v1/workflows/${wfid}/errors/${view.errors[0].id}/replay`, { tree: ['echo', { fixed: null }, []] });
      assert.deepEqual([r.status, r.text], [201, 'OK']);
      const cb = await active(wfid, 'after-replay');
      const fixed = await get(wfid);
      assert.equal(fixed.status, 'running');
      assert.deepEqual(fixed.errors, []);
      assert.deepEqual(fixed.trace, ['fixed']);
      await proceed(cb);
      await until(wfid, (p) => p.status === 'completed');
    });

    test('a launch with an Idempotency-Key sent again answers the process it started; racing ones start one', async () => {
      const keyed = (key: string, json: unknown, apiKey?: string) => weft.api('/v1/workflows', { method: 'POST', json, key: apiKey, headers: { 'idempotency-key': key } });
      const body = { workflow: define(P('idem')), callback: `${rx.url}/idem`, fields: { order: 7 } };
      const first = await keyed('order-7', body);
      assert.equal(first.status, 201);
      const again = await keyed('order-7', body);
      assert.deepEqual([again.status, again.body], [201, { id: first.body.id }]);
      const other = await keyed('order-7', { ...body, fields: { order: 8 } });
      assert.deepEqual([other.status, other.body, other.headers.get('weft-error-code')], [422, { error: 'Idempotency-Key was used for another request' }, 'WEFT_IDEMPOTENCY_KEY_REUSED']);
      assert.notEqual((await keyed('order-7', body, OTHER_KEY)).body.id, first.body.id, "another key's workspace");
      const bad = await keyed('with space', body);
      assert.deepEqual([bad.status, bad.body], [400, { error: 'Idempotency-Key must be 1 to 255 visible ASCII characters' }]);
      // Racing launches of one key (on PostgreSQL on several connections): one process, one callback.
      const raced = await Promise.all(Array.from({ length: 4 }, () => keyed('race-1', { ...body, callback: `${rx.url}/race` })));
      assert.deepEqual(raced.map((r) => r.status), [201, 201, 201, 201]);
      assert.equal(new Set(raced.map((r) => r.body.id)).size, 1);
      const cb = await active(raced[0].body.id, 'idem');
      await proceed(cb);
      await until(raced[0].body.id, (p) => p.status === 'completed');
      assert.equal(rx.calls.filter((c) => c.path === '/race').length, 1);
      const listed = (await weft.api('/v1/workflows')).body.workflows.filter((w: any) => w.id === first.body.id || w.id === raced[0].body.id);
      assert.equal(listed.length, 2);
      await proceed(await active(first.body.id, 'idem'));
    });

    test('bad input is a 4xx with an {"error"} body, never a 5xx', async () => {
      const raw = (body: string, type = 'application/json') => weft.api('/v1/workflows', { method: 'POST', body, headers: { 'content-type': type } });
      const cases: Array<[Promise<{ status: number; body: any }>, number, string]> = [
        [raw('{"workflow": '), 400, 'invalid request body'],
        [raw('[1, 2]'), 400, 'workflow is missing'],
        [raw('"text"'), 400, 'workflow is missing'],
        [post('/v1/workflows', { workflow: 42, callback: `${rx.url}/x` }), 400, 'workflow is invalid'],
        [post('/v1/workflows', { workflow: { not: 'a tree' }, callback: `${rx.url}/x` }), 400, 'workflow is invalid'],
        [post('/v1/workflows', { workflow: define(P('a')), callback: 'ftp://nowhere' }), 400, 'callback must be an http(s) URL'],
        [post('/v1/workflows', { workflow: define(P('a')), callbacks: { a: 7 } }), 400, 'callbacks[a] must be an http(s) URL'],
        [post('/v1/workflows', { workflow: define(P('a')), callbacks: 'http://x' }), 400, 'callbacks must be an object of participant name → URL'],
        [post('/v1/workflows', { workflow: define(P('a')), callback: `${rx.url}/x`, fields: 'nope' }), 400, 'fields must be an object'],
        [post('/v1/workflows', { workflow: define(P('a')), definition: 'x', callback: `${rx.url}/x` }), 400, 'workflow, definition are both given, exactly one parameter must be provided'],
        [post('/v1/workflows/not-a-wfid/cancel'), 400, 'workflow_id not found'],
        [post('/v1/workflows/not-a-wfid/workitems/x/proceed', {}), 400, 'workitem_id not found'],
        [post('/v1/workflows/not-a-wfid/workitems/x/proceed', { fields: 'nope' }), 400, 'fields must be an object'],
        [weft.api('/v1/workflows/not-a-wfid'), 404, 'workflow not found'],
        [weft.api('/v1/definitions/none'), 404, 'definition not found'],
        [post('/v1/definitions', { name: 'bad name!', workflow: 'define' }), 400, 'name is invalid'],
        [weft.api('/v1/deliveries?state=lost'), 400, 'state is invalid'],
        [weft.api('/v1/deliveries?state=failed&state=pending'), 400, 'state is invalid'],
        [weft.api('/v1/deliveries?failing=yes'), 400, 'failing is invalid'],
        [weft.api('/v1/deliveries?limit=0'), 400, 'limit is invalid'],
        [weft.api('/v1/deliveries?limit=501'), 400, 'limit is invalid'],
        [weft.api('/v1/deliveries?limit=1.5'), 400, 'limit is invalid'],
      ];
      for (const [pending, status, error] of cases) {
        const r = await pending;
        assert.deepEqual([r.status, r.body.error], [status, error], JSON.stringify(r.body));
      }
      const wfid = await launch(define(P('badin')));
      const cb = await active(wfid, 'badin');
      const notObject = await post(`/v1/workflows/${wfid}/workitems/${cb.body.workitem_id}/proceed`, { fields: [1] });
      assert.deepEqual([notObject.status, notObject.body], [400, { error: 'fields must be an object' }]);
      await proceed(cb);
      await until(wfid, (p) => p.status === 'completed');
    });

    test('the workflow routes are in the OpenAPI document', async () => {
      const doc = (await weft.api('/openapi.json', { key: null })).body;
      for (const path of ['/v1/ping', '/v1/workflows', '/v1/workflows/{wfid}', '/v1/workflows/{wfid}/workitems/{workitem_id}/proceed', '/v1/workflows/{wfid}/cancel', '/v1/definitions']) {
        assert.ok(doc.paths[path], path);
      }
    });

    test('stored definitions keep revisions; launching by name uses the latest', async () => {
      const one = await post('/v1/definitions', { name: 'onboarding', workflow: 'define\n  participant rev1' });
      assert.equal(one.status, 201);
      assert.deepEqual({ name: one.body.name, revision: one.body.revision }, { name: 'onboarding', revision: 1 });
      const two = await post('/v1/definitions', { name: 'onboarding', workflow: '<define><participant ref="rev2"/></define>' });
      assert.equal(two.body.revision, 2);
      const got = await weft.api('/v1/definitions/onboarding');
      assert.equal(got.body.revision, 2);
      assert.deepEqual(got.body.tree, ['define', {}, [['participant', { ref: 'rev2' }, []]]]);
      assert.deepEqual((await weft.api('/v1/definitions')).body.definitions.map((d: any) => [d.name, d.revision]), [['onboarding', 2]]);
      // Saves of one name racing each other all land, each its own revision (on PostgreSQL they
      // collided on the next revision: 500, and the save was lost).
      const racing = await Promise.all(Array.from({ length: 10 }, (_, i) => post('/v1/definitions', { name: 'raced', workflow: `define\n  participant p${i}` })));
      assert.deepEqual(racing.map((r) => r.status), Array(10).fill(201));
      assert.deepEqual(racing.map((r) => r.body.revision).sort((a, b) => a - b), Array.from({ length: 10 }, (_, i) => i + 1));
      const bad = await post('/v1/definitions', { name: 'broken', workflow: '<define>' });
      assert.equal(bad.body.error, 'workflow is invalid');
      assert.deepEqual((await post('/v1/definitions', { workflow: 'define' })).body, { error: 'name is missing' });
      assert.deepEqual((await post('/v1/definitions', { name: 'x' })).body, { error: 'workflow is missing' });

      const r = await post('/v1/workflows', { definition: 'onboarding', callback: `${rx.url}/def` });
      assert.equal(r.status, 201);
      const cb = await active(r.body.id, 'rev2');
      const view = await get(r.body.id);
      // The stored definition's revision as /v1/definitions shows it: a number.
      assert.deepEqual([view.name, view.revision, view.definition], ['onboarding', 2, 'onboarding']);
      assert.equal((await weft.api('/v1/workflows')).body.workflows.find((w: { id: string }) => w.id === r.body.id).revision, 2);
      const unknown = await post('/v1/workflows', { definition: 'nothing', callback: `${rx.url}/def` });
      assert.deepEqual([unknown.status, unknown.body], [400, { error: 'definition not found' }]);
      await proceed(cb);
      await until(r.body.id, (p) => p.status === 'completed');
    });
  });
}
