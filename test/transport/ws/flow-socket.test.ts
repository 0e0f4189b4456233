import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { backends } from '../../helpers/backends.js';
import { once } from 'node:events';
import { WebSocket } from 'ws';
import { freshDatabase, startWeft, OTHER_KEY, TEST_KEY, type RunningWeft, type Database } from '../../helpers/weft.js';
import { flowApi, flowBody, openFlowSocket, type FlowSocket } from '../../engine/flow/flow-test-kit.js';
import { rawQuery } from '../../helpers/raw-sql.js';

const NO_MATCH = 'Invalid transition argument or no active step matches the transition identifier.';

for (const backend of await backends()) {
  describe(`/ws/flows on ${backend.name}`, () => {
    let db: Database;
    let weft: RunningWeft;
    const sockets: FlowSocket[] = [];
    const open = async (workspace: string) => {
      const s = await openFlowSocket(weft, workspace);
      sockets.push(s);
      return s;
    };
    before(async () => {
      db = freshDatabase(backend);
      weft = await startWeft(db);
    });
    after(async () => {
      await Promise.all(sockets.map((s) => s.close()));
      await weft.stop();
      await db.cleanup();
    });

    test('the key and workspace are checked before the upgrade', async () => {
      await assert.rejects(openFlowSocket(weft, 'main', 'wrong-key'), (err: { status: number; body: unknown }) => {
        assert.equal(err.status, 403);
        assert.deepEqual(err.body, { message: 'Forbidden' });
        return true;
      });
      await assert.rejects(openFlowSocket(weft, 'bad workspace'), (err: { status: number; body: unknown }) => {
        assert.equal(err.status, 400);
        assert.deepEqual(err.body, { message: 'invalid workspace id' });
        return true;
      });
    });

    test('identify, start, get and transition in the envelope', async () => {
      await flowApi(weft, 'main').define(flowBody('checklist', ['s1', 's2', 's3'], [['complete', 's1', 's2'], ['complete', 's2', 's3', 'manual', '${subject.tier} == gold']]));
      const s = await open('main');
      const who = await s.request('identify', { subject: 'olga@example.com', properties: { tier: 'silver' } }, 1);
      assert.deepEqual([who.request_id, who.status, who.errors], [1, 200, []]);
      assert.deepEqual([who.data.key, who.data.properties, who.data.instances], ['olga@example.com', { tier: 'silver' }, []]);

      const started = await s.request('start', { flow: 'checklist', subject: 'olga@example.com', data: { source: 'ws' } }, 2);
      assert.equal(started.status, 200);
      const id = started.data.flow_instance_id;
      assert.deepEqual([started.data.instance.id, started.data.instance.state, started.data.instance.data], [id, 'active', { source: 'ws' }]);
      const twice = await s.request('start', { flow: 'checklist', subject: 'olga@example.com' }, 3);
      assert.deepEqual([twice.status, twice.errors[0].code], [409, 'WEFT_FLOW_ALREADY_STARTED']);

      const ok = await s.request('transition', { flow_instance_id: id, step_schema_identifier: 's1', transition_schema_identifier: 'complete' }, 'tx-1');
      assert.equal(ok.request_id, 'tx-1');
      assert.equal(ok.status, 200);
      assert.deepEqual(ok.errors, []);
      const { instance, ...rest } = ok.data;
      assert.deepEqual(rest, { result: 'success', message: null, flow_instance_id: id, step_schema_id: 's1', transition_schema_identifier: 'complete' });
      assert.deepEqual([instance.steps, instance.seq], [{ s1: 'completed', s2: 'active', s3: 'inactive' }, 2]);

      const denied = await s.request('transition', { flow_instance_id: id, step_schema_identifier: 's2', transition_schema_identifier: 'complete' }, 'tx-2');
      assert.equal(denied.status, 409);
      assert.deepEqual(denied.errors, [{ code: 'WEFT_FLOW_CONDITION_FALSE', message: "Condition not met for transition 'complete' (s2 -> s3): ${subject.tier} == gold" }]);
      assert.deepEqual(denied.data, {
        result: 'failure',
        message: "Condition not met for transition 'complete' (s2 -> s3): ${subject.tier} == gold",
        flow_instance_id: id,
        step_schema_id: 's2',
        transition_schema_identifier: 'complete',
      });

      const wrong = await s.request('transition', { flow_instance_id: id, step_schema_identifier: 's1', transition_schema_identifier: 'complete' }, 'tx-3');
      assert.deepEqual([wrong.status, wrong.data.message, wrong.errors[0].code], [409, NO_MATCH, 'WEFT_FLOW_TRANSITION_UNAVAILABLE']);
      const unknown = await s.request('transition', { flow_instance_id: id, step_schema_identifier: 's2', transition_schema_identifier: 'nope' }, 'tx-4');
      assert.deepEqual([unknown.status, unknown.data.message], [400, NO_MATCH]);
      const missing = await s.request('transition', { flow_instance_id: '00000000-0000-4000-8000-000000000000', transition_schema_identifier: 'complete' }, 'tx-5');
      assert.deepEqual([missing.status, missing.errors[0].code, missing.data.result], [404, 'WEFT_FLOW_INSTANCE_NOT_FOUND', 'failure']);
      // An id of the wrong type is a bad request, not an unknown instance.
      const numeric = await s.request('transition', { flow_instance_id: 5, transition_schema_identifier: 'complete' }, 'tx-5b');
      assert.deepEqual([numeric.status, numeric.errors[0].code, numeric.errors[0].message], [400, 'WEFT_FLOW_REQUEST_INVALID', 'flow_instance_id must be a string']);
      const noFields = await s.request('transition', { flow_instance_id: id }, 'tx-6');
      assert.deepEqual([noFields.status, noFields.data.result, noFields.data.flow_instance_id], [400, 'failure', id]);

      await s.request('identify', { subject: 'olga@example.com', properties: { tier: 'gold' } });
      const done = await s.request('transition', { flow_instance_id: id, step_schema_identifier: 's2', transition_schema_identifier: 'complete' }, 'tx-7');
      assert.deepEqual([done.status, done.data.instance.state], [200, 'completed']);
      // The same envelope request_id on the same connection answers the first result again.
      const replay = await s.request('transition', { flow_instance_id: id, step_schema_identifier: 's1', transition_schema_identifier: 'complete' }, 'tx-1');
      assert.deepEqual(replay, ok);

      const got = await s.request('get', { flow_instance_id: id });
      assert.deepEqual([got.status, got.data.instance.state, got.data.instance.seq], [200, 'completed', 3]);
      const subject = await s.request('identify', { subject: 'olga@example.com' });
      assert.deepEqual([subject.data.properties, subject.data.instances.map((i: { id: string }) => i.id)], [{ tier: 'gold' }, [id]]);
      const bad = await s.request('start', { flow: 'missing', subject: 'olga@example.com' });
      assert.deepEqual([bad.status, bad.errors[0].code], [404, 'WEFT_FLOW_NOT_FOUND']);
    });

    test('request ids: a string envelope id and data.request_id are recognised on any connection and over REST; a numeric envelope id (a counter) on its own connection', async () => {
      const api = flowApi(weft, 'rids');
      await api.define(flowBody('ring', ['s0', 's1', 's2'], [['begin', 's0', 's1', 'automatic'], ['flip', 's1', 's2'], ['flip', 's2', 's1']]));
      const i = await api.start('ring', 'rita');
      const one = await open('rids');
      const two = await open('rids');
      const flip = { flow_instance_id: i.id, transition_schema_identifier: 'flip' };
      const first = await one.request('transition', flip, 1);
      assert.equal(first.data.instance.seq, 2);
      assert.deepEqual(await one.request('transition', flip, 1), first);
      // A number is a counter: another connection counting from 1 too is another request.
      assert.equal((await two.request('transition', flip, 1)).data.instance.seq, 3);
      // A string id sent again on another connection (a resend after a reconnect) is the same request.
      const named = await one.request('transition', flip, 'resend-1');
      assert.equal(named.data.instance.seq, 4);
      assert.deepEqual(await two.request('transition', flip, 'resend-1'), named);
      // The same id on another instance is another request.
      const other = await api.start('ring', 'rolf');
      assert.equal((await two.request('transition', { ...flip, flow_instance_id: other.id }, 'resend-1')).data.instance.seq, 2);
      const explicit = await one.request('transition', { ...flip, request_id: 'flip-a' }, 2);
      assert.equal(explicit.data.instance.seq, 5);
      const again = await two.request('transition', { ...flip, request_id: 'flip-a' }, 2);
      assert.deepEqual(again.data.instance, explicit.data.instance);
      // The REST body's request_id and data.request_id are the same key.
      assert.deepEqual((await api.fire(i.id, 'flip', { request_id: 'flip-a' })).body.instance, explicit.data.instance);
      const history = (await api.get(`/v1/flow-instances/${i.id}/history`)).body.history;
      assert.deepEqual(
        history.map((h: { request_id: string | null; seq: number }) => [h.seq, h.request_id]),
        [
          [1, null],
          [2, '1'],
          [3, '1'],
          [4, 'resend-1'],
          [5, 'flip-a'],
        ],
      );
      const bad = await one.request('transition', { ...flip, request_id: { no: 1 } }, 3);
      assert.deepEqual([bad.status, bad.errors[0].code], [400, 'WEFT_FLOW_REQUEST_INVALID']);
    });

    test('malformed frames, unknown actions and missing fields are 400s; the connection stays open', async () => {
      const s = await open('main');
      const cases: Array<[string, unknown, string]> = [
        ['{not json', null, 'WEFT_WS_BAD_REQUEST'],
        ['[1,2]', null, 'WEFT_WS_BAD_REQUEST'],
        ['{"action":"get"}', null, 'WEFT_WS_BAD_REQUEST'],
        ['{"action":"dance","request_id":9}', 9, 'WEFT_WS_UNKNOWN_ACTION'],
        ['{"request_id":"a"}', 'a', 'WEFT_WS_BAD_REQUEST'],
        ['{"action":"get","request_id":"b","data":[1]}', 'b', 'WEFT_WS_BAD_REQUEST'],
        ['{"action":"start","request_id":"c","data":{}}', 'c', 'WEFT_FLOW_REQUEST_INVALID'],
        ['{"action":"start","request_id":"d","data":{"flow":"checklist"}}', 'd', 'WEFT_FLOW_REQUEST_INVALID'],
        ['{"action":"identify","request_id":"e","data":{"subject":""}}', 'e', 'WEFT_FLOW_REQUEST_INVALID'],
        [`{"action":"identify","request_id":"f","data":{"subject":"${'x'.repeat(600)}"}}`, 'f', 'WEFT_FLOW_REQUEST_INVALID'],
        ['{"action":"identify","request_id":"g","data":{"subject":"x","properties":"text"}}', 'g', 'WEFT_FLOW_REQUEST_INVALID'],
        ['{"action":"subscribe","request_id":"h","data":{}}', 'h', 'WEFT_FLOW_REQUEST_INVALID'],
        ['{"action":"subscribe","request_id":"i","data":{"subject":"a","flow":"b"}}', 'i', 'WEFT_FLOW_REQUEST_INVALID'],
        ['{"action":"get","request_id":"j","data":{}}', 'j', 'WEFT_FLOW_REQUEST_INVALID'],
        ['{"action":"transition","request_id":"k","data":{"flow_instance_id":"00000000-0000-4000-8000-000000000000","transition_schema_identifier":["x"]}}', 'k', 'WEFT_FLOW_REQUEST_INVALID'],
        // Nested deeper than 512 levels, and the character U+0000: refused whatever the action.
        [`{"action":"start","request_id":"l","data":{"flow":"checklist","subject":"s","data":{"x":${'['.repeat(600)}${']'.repeat(600)}}}}`, 'l', 'WEFT_INPUT_REFUSED'],
        ['{"action":"identify","request_id":"m","data":{"subject":"a\\u0000b"}}', 'm', 'WEFT_INPUT_REFUSED'],
        ['{"action":"identify","request_id":"m2","data":{"subject":"\\ud800"}}', 'm2', 'WEFT_INPUT_REFUSED'],
        // Keys that reach a prototype, as HTTP bodies refuse them (escaped too).
        ['{"action":"start","request_id":"n","data":{"flow":"checklist","subject":"s","data":{"__proto__":{"x":1}}}}', 'n', 'WEFT_INPUT_REFUSED'],
        ['{"action":"start","request_id":"o","data":{"flow":"checklist","subject":"s","data":{"constructor":{"prototype":{"x":1}}}}}', 'o', 'WEFT_INPUT_REFUSED'],
        ['{"action":"start","request_id":"p","data":{"flow":"checklist","subject":"s","data":{"\\u005f_proto__":{"x":1}}}}', 'p', 'WEFT_INPUT_REFUSED'],
      ];
      for (const [frame, requestId, code] of cases) {
        const r = await s.raw(frame);
        assert.equal(r.status, 400, frame.slice(0, 80));
        assert.equal(r.request_id, requestId, frame.slice(0, 80));
        assert.equal(r.errors[0].code, code, frame.slice(0, 80));
      }
      // A binary frame holding the JSON text is read as the text frame would be; one that is not UTF-8 is a 400.
      const binary = await s.raw(Buffer.from('{"action":"identify","request_id":"bin","data":{"subject":"binary-é"}}'));
      assert.deepEqual([binary.status, binary.request_id], [200, 'bin']);
      const notUtf8 = await s.raw(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]));
      assert.deepEqual([notUtf8.status, notUtf8.errors[0].code, notUtf8.errors[0].message], [400, 'WEFT_WS_BAD_REQUEST', 'a binary frame must hold JSON text in UTF-8']);
      const absurd = await s.request('get', { flow_instance_id: 'x'.repeat(100_000) });
      assert.equal(absurd.status, 404);
      assert.ok(absurd.errors[0].message.length < 200);
      const huge = await s.request('transition', { flow_instance_id: '1'.repeat(5000), transition_schema_identifier: 'complete' });
      assert.equal(huge.status, 404);
      // Messages name the fields as this protocol does.
      const id = '00000000-0000-4000-8000-000000000000';
      assert.match((await s.request('transition', { flow_instance_id: id })).errors[0].message, /^transition_schema_identifier /);
      assert.match((await s.request('transition', { flow_instance_id: id, transition_schema_identifier: 't', step_schema_identifier: 5 })).errors[0].message, /^step_schema_identifier /);
      const after = await s.request('identify', { subject: 'still-open' });
      assert.equal(after.status, 200);
    });

    test('a frame over the body limit is answered 413 and the connection stays; one over four times it closes the connection', async () => {
      const s = await open('main');
      const big = await s.raw(JSON.stringify({ action: 'identify', request_id: 'big', data: { subject: 'x', properties: { pad: 'p'.repeat(1024 * 1024) } } }));
      assert.deepEqual(big, { request_id: null, status: 413, data: null, errors: [{ code: 'WEFT_BODY_TOO_LARGE', message: 'a frame is at most 1048576 bytes (WEFT_BODY_LIMIT_BYTES)' }] });
      assert.equal((await s.request('identify', { subject: 'still-here' })).status, 200);
      const closed = new Promise<number>((r) => s.ws.once('close', (code) => r(code)));
      s.ws.send('x'.repeat(4 * 1024 * 1024 + 1));
      assert.equal(await closed, 1009);
    });

    test('every socket route closes a frame over four times the limit with 1009, not a cut connection (1006)', async () => {
      for (const path of ['/ws/events', '/ws/tasks', '/ws/workers']) {
        const ws = new WebSocket(`${weft.wsUrl}${path}?api_key=${TEST_KEY}`);
        await once(ws, 'open');
        const closed = once(ws, 'close');
        // Well over the limit, so the client is still sending when the server refuses the frame.
        ws.send('x'.repeat(32 * 1024 * 1024));
        const [code] = (await closed) as [number];
        assert.equal(code, 1009, path);
      }
    });

    test('a socket holds at most 1,000 subscriptions, also when they are asked for all at once', async () => {
      const s = await open('main');
      const answers = await Promise.all(Array.from({ length: 1010 }, (_, i) => s.request('subscribe', { subject: `many-${i}` })));
      assert.equal(answers.filter((a) => a.status === 200).length, 1000);
      const refused = answers.filter((a) => a.status !== 200);
      assert.equal(refused.length, 10);
      assert.deepEqual(refused[0].errors, [{ code: 'WEFT_FLOW_REQUEST_INVALID', message: 'at most 1000 subscriptions per connection' }]);
      // One freed, one more taken; one held already is no new subscription.
      assert.equal((await s.request('unsubscribe', { subject: 'many-0' })).status, 200);
      assert.equal((await s.request('subscribe', { subject: 'another' })).status, 200);
      assert.equal((await s.request('subscribe', { subject: 'many-1' })).status, 200);
      assert.equal((await s.request('subscribe', { subject: 'one-more' })).status, 400);
    });

    test('subscribers receive every change, in order, for the instance, subject or flow they follow', async () => {
      const api = flowApi(weft, 'subs');
      await api.define(flowBody('ring', ['s0', 's1', 's2'], [['begin', 's0', 's1', 'automatic'], ['flip', 's1', 's2'], ['flip', 's2', 's1']]));
      await api.define(flowBody('other', ['a', 'b'], [['go', 'a', 'b']]));
      const byId = await open('subs');
      const bySubject = await open('subs');
      const byFlow = await open('subs');
      const elsewhere = await openFlowSocket(weft, 'subs', OTHER_KEY);
      sockets.push(elsewhere);
      const actor = await open('subs');

      const i = (await actor.request('start', { flow: 'ring', subject: 'pat' })).data.instance;
      assert.equal((await byId.request('subscribe', { flow_instance_id: i.id })).status, 200);
      assert.deepEqual((await bySubject.request('subscribe', { subject: 'pat' })).data, { subscribed: { subject: 'pat' } });
      await byFlow.request('subscribe', { flow: 'ring' });
      // Following the same instance twice still delivers each change once.
      await byFlow.request('subscribe', { subject: 'pat' });
      await elsewhere.request('subscribe', { flow: 'ring' });
      const notFound = await byId.request('subscribe', { flow_instance_id: '00000000-0000-4000-8000-000000000000' });
      assert.equal(notFound.status, 404);

      for (let n = 0; n < 10; n++) {
        const r = await actor.request('transition', { flow_instance_id: i.id, transition_schema_identifier: 'flip' });
        assert.equal(r.status, 200);
      }
      await api.post(`/v1/flow-instances/${i.id}/pause`);
      const other = (await actor.request('start', { flow: 'other', subject: 'pat' })).data.instance;
      const ringStart = (await actor.request('start', { flow: 'ring', subject: 'quinn' })).data.instance;

      const seqs = (events: { data: { id: string; seq: number } }[], id: string) => events.filter((e) => e.data.id === id).map((e) => e.data.seq);
      const expected = Array.from({ length: 11 }, (_, k) => k + 2);
      await byId.waitEvents(11);
      await bySubject.waitEvents(12);
      await byFlow.waitEvents(13);
      assert.deepEqual(seqs(byId.events, i.id), expected);
      assert.ok(byId.events.every((e) => e.event === 'flow_instance.updated' && e.data.id === i.id));
      assert.equal(byId.events.at(-1)!.data.state, 'paused');
      assert.deepEqual(seqs(bySubject.events, i.id), expected);
      assert.deepEqual(seqs(bySubject.events, other.id), [1]);
      assert.deepEqual(seqs(byFlow.events, i.id), expected);
      assert.deepEqual(seqs(byFlow.events, other.id), [1]);
      assert.deepEqual(seqs(byFlow.events, ringStart.id), [1]);
      assert.equal(byFlow.events.length, 13);
      // Each event is the instance as rendered after the commit.
      const last = byFlow.events.filter((e) => e.data.id === i.id).at(-1)!.data;
      assert.deepEqual(last, (await api.get(`/v1/flow-instances/${i.id}`)).body);

      assert.deepEqual((await byId.request('unsubscribe', { flow_instance_id: i.id })).data, { unsubscribed: { flow_instance_id: i.id } });
      await api.post(`/v1/flow-instances/${i.id}/resume`);
      await bySubject.waitEvents(13);
      assert.equal(byId.events.length, 11);
      // Another key's workspace of the same name is another workspace.
      assert.equal(elsewhere.events.length, 0);
    });

    test('200 transitions from 20 sockets at once end as if applied one by one, one history entry per success', async () => {
      const api = flowApi(weft, 'storm');
      // A ring of four steps: every 'next' moves one step on; 'gated' never holds; 'back' is unknown.
      await api.define(
        flowBody(
          'storm',
          ['start', 'r0', 'r1', 'r2', 'r3'],
          [
            ['begin', 'start', 'r0', 'automatic'],
            ['next', 'r0', 'r1'],
            ['next', 'r1', 'r2'],
            ['next', 'r2', 'r3'],
            ['next', 'r3', 'r0'],
            ['gated', 'r0', 'r2', 'manual', '${input.go} == yes'],
            ['gated', 'r1', 'r3', 'manual', '${input.go} == yes'],
            ['gated', 'r2', 'r0', 'manual', '${input.go} == yes'],
            ['gated', 'r3', 'r1', 'manual', '${input.go} == yes'],
          ],
        ),
      );
      const target = await api.start('storm', 'storm-concurrent');
      const watcher = await open('storm');
      await watcher.request('subscribe', { flow_instance_id: target.id });

      // 200 requests: 150 distinct 'next', 20 repeats of some of their request ids, 20 false 'gated', 10 unknown.
      // The request ids travel in data.request_id (recognised on every connection); the envelope ids
      // are each socket's own counter, the same on every socket, and must not be taken for repeats.
      type Req = { transition: string; rid: string; input?: unknown };
      const reqs: Req[] = [];
      for (let n = 0; n < 150; n++) reqs.push({ transition: 'next', rid: `next-${n}` });
      for (let n = 0; n < 20; n++) reqs.push({ transition: 'next', rid: `next-${n * 7}` });
      for (let n = 0; n < 20; n++) reqs.push({ transition: 'gated', rid: `gated-${n}`, input: { go: 'no' } });
      for (let n = 0; n < 10; n++) reqs.push({ transition: 'back', rid: `back-${n}` });
      const clients = await Promise.all(Array.from({ length: 20 }, () => open('storm')));
      const answers = await Promise.all(
        clients.map((c, k) =>
          Promise.all(
            reqs
              .filter((_, n) => n % 20 === k)
              .map((r, counter) =>
                c.request(
                  'transition',
                  { flow_instance_id: target.id, transition_schema_identifier: r.transition, request_id: r.rid, ...(r.input ? { input: r.input } : {}) },
                  counter + 1,
                ),
              ),
          ),
        ),
      );
      const flat = answers.flat();
      assert.equal(flat.length, 200);
      assert.equal(flat.filter((a) => a.status === 200).length, 170);
      assert.equal(flat.filter((a) => a.status === 409).length, 20);
      assert.equal(flat.filter((a) => a.status === 400).length, 10);
      assert.ok(flat.every((a) => a.status < 500));

      const concurrent = (await api.get(`/v1/flow-instances/${target.id}`)).body;
      const history = (await api.get(`/v1/flow-instances/${target.id}/history`)).body.history as Array<{ transition: string; request_id: string | null; seq: number }>;
      const manual = history.filter((h) => h.transition !== 'begin');
      assert.equal(manual.length, 150);
      assert.equal(new Set(manual.map((h) => h.request_id)).size, 150);
      assert.deepEqual(
        manual.map((h) => h.seq),
        Array.from({ length: 150 }, (_, k) => k + 2),
      );
      assert.equal(concurrent.seq, 151);

      // The same requests one by one, on a second instance.
      const serial = await api.start('storm', 'storm-serial');
      for (const r of reqs) await api.fire(serial.id, r.transition, { request_id: r.rid, ...(r.input ? { input: r.input } : {}) });
      const oneByOne = (await api.get(`/v1/flow-instances/${serial.id}`)).body;
      assert.deepEqual([concurrent.state, concurrent.steps, concurrent.seq], [oneByOne.state, oneByOne.steps, oneByOne.seq]);
      assert.deepEqual(concurrent.steps, { start: 'completed', r0: 'completed', r1: 'completed', r2: 'active', r3: 'completed' });

      // The subscriber saw all 150 changes, in order.
      const seen = await watcher.waitEvents(150);
      assert.deepEqual(
        seen.map((e) => e.data.seq),
        Array.from({ length: 150 }, (_, k) => k + 2),
      );
    });

    if (backend.name === 'postgres') {
      test('when the node loses its notification connection, sockets with subscriptions are closed (1012) to subscribe again', async () => {
        const subscribed = await open('lost');
        assert.equal((await subscribed.request('subscribe', { subject: 'anyone' })).status, 200);
        const idle = await open('lost');
        const closed = new Promise<{ code: number; reason: string }>((r) => subscribed.ws.once('close', (code, reason) => r({ code, reason: reason.toString() })));
        // PostgreSQL ends the LISTEN connection (a restart or a network cut would); weft connects it again within a second.
        const ended = await rawQuery<{ ok: boolean }>(db, 'SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE query = ?', [`LISTEN "weft_${weft.settings.databaseSchema}"`]);
        assert.equal(ended.length, 1);
        assert.deepEqual(await closed, { code: 1012, reason: 'changes may have been missed: subscribe again' });
        // A socket without subscriptions missed nothing and stays.
        assert.equal((await idle.request('identify', { subject: 'still-open' })).status, 200);
      });
    }
  });
}
