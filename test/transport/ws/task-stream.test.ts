import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import WebSocket from 'ws';
import { backends } from '../../helpers/backends.js';
import { useWeft, TEST_KEY, OTHER_KEY } from '../../helpers/weft.js';

interface Stream {
  ws: WebSocket;
  frames: Array<{ at: number; tasks: Array<{ id: number; name: string; status: string }> }>;
  next(predicate?: (tasks: Array<{ id: number; name: string; status: string }>) => boolean, timeoutMs?: number): Promise<Array<{ id: number; name: string; status: string }>>;
}

function openStream(url: string): Promise<Stream> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const frames: Stream['frames'] = [];
    const waiters: Array<{ pred: (t: any) => boolean; resolve: (t: any) => void }> = [];
    ws.on('message', (data) => {
      const tasks = JSON.parse(data.toString());
      frames.push({ at: Date.now(), tasks });
      for (const w of [...waiters]) {
        if (w.pred(tasks)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(tasks);
        }
      }
    });
    ws.on('open', () =>
      resolve({
        ws,
        frames,
        next(pred = () => true, timeoutMs = 5000) {
          return new Promise((res, rej) => {
            const timer = setTimeout(() => rej(new Error('no matching frame in time')), timeoutMs);
            waiters.push({ pred, resolve: (t) => (clearTimeout(timer), res(t)) });
          });
        },
      }),
    );
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode, body: JSON.parse(body || 'null') })));
    });
    ws.on('error', reject);
  });
}

async function expectRefused(url: string, status: number, message: string) {
  await assert.rejects(openStream(url), (err: { status: number; body: unknown }) => {
    assert.equal(err.status, status);
    assert.deepEqual(err.body, { message });
    return true;
  });
}

for (const backend of await backends()) {
  describe(`/ws/tasks on ${backend.name}`, () => {
    const weft = useWeft(backend, { WEFT_WORKER_TYPES: 'ext.job', WEFT_MAX_STREAM_WORKSPACES_PER_KEY: '2', WEFT_MAX_STREAMS_PER_WORKSPACE: '3' });
    const streamUrl = (ws: string, key = TEST_KEY) => `${weft.wsUrl}/ws/tasks?api_key=${key}&workspace_id=${ws}`;

    test('the first frame on connect is the full task array, the same list as GET /tasks', async () => {
      await weft.api('/tasks?workspace_id=s1', { method: 'POST', json: { name: 'first', type: 'ext.job' } });
      const s = await openStream(streamUrl('s1'));
      const first = await s.next();
      const listed = (await weft.api('/tasks?workspace_id=s1')).body.tasks;
      assert.deepEqual(first, listed);
      s.ws.close();
    });

    test('frames follow every change, and come at least once a second', async () => {
      const s = await openStream(streamUrl('s2'));
      assert.deepEqual(await s.next(), []);
      await weft.api('/tasks?workspace_id=s2', { method: 'POST', json: { name: 'a', type: 'ext.job' } });
      const afterCreate = await s.next((t) => t.length === 1, 1000);
      assert.equal(afterCreate[0].status, 'queued');
      await weft.api('/v1/tasks/claim?workspace_id=s2', { method: 'POST', json: { types: ['ext.job'] } });
      await s.next((t) => t[0]?.status === 'running', 1000);
      await weft.api('/tasks/flush?workspace_id=s2', { method: 'POST' });
      await s.next((t) => t.length === 0, 1000);
      // Idle: frames keep coming at least once a second.
      const count = s.frames.length;
      const start = Date.now();
      await new Promise((r) => setTimeout(r, 2300));
      const idle = s.frames.slice(count).map((f) => f.at);
      assert.ok(idle.length >= 2, `at least 2 frames in 2.3 s idle, got ${idle.length}`);
      let prev = start;
      for (const at of idle) {
        assert.ok(at - prev <= 1300, `gap ${at - prev} ms`);
        prev = at;
      }
      s.ws.close();
    });

    test('the built-in runner moves a task to completed, and the stream shows each state', async () => {
      const s = await openStream(streamUrl('s3'));
      await s.next();
      await weft.api('/tasks?workspace_id=s3', { method: 'POST', json: { name: 'runs', type: 'gx.tiny' } });
      const done = await s.next((t) => t[0]?.status === 'completed', 5000);
      assert.equal(done[0].name, 'runs');
      s.ws.close();
    });

    test('authentication and limits are answered before the upgrade', async () => {
      await expectRefused(`${weft.wsUrl}/ws/tasks`, 403, 'Forbidden');
      await expectRefused(`${weft.wsUrl}/ws/tasks?api_key=wrong`, 403, 'Forbidden');
      await expectRefused(`${weft.wsUrl}/ws/tasks?api_key=${TEST_KEY}&workspace_id=bad%20id`, 400, 'invalid workspace id');

      // At most 3 streams per workspace here.
      const same = await Promise.all([1, 2, 3].map(() => openStream(streamUrl('lim-a'))));
      await expectRefused(streamUrl('lim-a'), 429, 'too many connections in workspace');
      // At most 2 workspaces per key here: lim-a is open, lim-b is the second, lim-c one too many.
      const b = await openStream(streamUrl('lim-b'));
      await expectRefused(streamUrl('lim-c'), 429, 'too many workspaces');
      // Another key has its own budget.
      const other = await openStream(streamUrl('lim-c', OTHER_KEY));
      // Closing frees the slots.
      for (const s of same) s.ws.close();
      b.ws.close();
      await new Promise((r) => setTimeout(r, 100));
      const again = await openStream(streamUrl('lim-c'));
      again.ws.close();
      other.ws.close();
    });

    test('a request that never becomes a stream holds no slot (426 without an upgrade; an upgrade cut short)', async () => {
      for (const method of ['GET', 'HEAD']) {
        for (let i = 0; i < 4; i++) {
          const r = await weft.api(`/ws/tasks?workspace_id=lim-d`, { method });
          assert.equal(r.status, 426);
          assert.equal(r.headers.get('weft-error-code'), 'WEFT_UPGRADE_REQUIRED');
          if (method === 'GET') assert.deepEqual(r.body, { message: 'this route takes a WebSocket upgrade' });
        }
      }
      // Upgrade requests whose connection is closed at once, before or while the slot is taken.
      const { port } = new URL(weft.url);
      for (let i = 0; i < 6; i++) {
        const socket = connect(Number(port), '127.0.0.1');
        await new Promise((r) => socket.once('connect', r));
        socket.write(
          `GET /ws/tasks?api_key=${TEST_KEY}&workspace_id=lim-d HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
            `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${Buffer.from(`key-${i}-0123456`).toString('base64')}\r\n\r\n`,
        );
        if (i % 2 === 1) await new Promise((r) => setTimeout(r, 20));
        socket.destroy();
      }
      // Every slot taken by them comes back: the workspace's 3 streams open (slots are freed asynchronously).
      const deadline = Date.now() + 5000;
      for (;;) {
        const opened = await Promise.allSettled([1, 2, 3].map(() => openStream(streamUrl('lim-d'))));
        for (const o of opened) if (o.status === 'fulfilled') o.value.ws.close();
        if (opened.every((o) => o.status === 'fulfilled')) break;
        assert.ok(Date.now() < deadline, 'stream slots were not given back');
        await new Promise((r) => setTimeout(r, 100));
      }
    });
  });
}
