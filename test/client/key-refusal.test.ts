import { test, describe, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket as UndiciWebSocket } from 'undici';
import { sqliteBackend } from '../helpers/backends.js';
import { freshDatabase, startWeft, TEST_KEY, type Database, type RunningWeft } from '../helpers/weft.js';
import { createClient, createWorker, WeftError } from '../../packages/client/src/index.js';

// A key the server refuses ends the WebSocket connections with a 403 WeftError instead of a reconnect
// loop: seen directly on Node's `ws`, and through an HTTP check on a WebSocket that hides the status
// (undici's, the one browsers and Node ≥ 22 have).

const SOCKETS = [
  { name: 'ws (the status is seen)', WebSocket: undefined },
  { name: 'a WHATWG WebSocket (the status is hidden)', WebSocket: UndiciWebSocket },
];

const isForbidden = (e: unknown) => e instanceof WeftError && e.status === 403 && e.code === 'WEFT_FORBIDDEN' && e.message === 'Forbidden';

describe('a refused key (SQLite)', () => {
  let db: Database;
  let weft: RunningWeft;
  before(async () => {
    db = freshDatabase(sqliteBackend);
    weft = await startWeft(db, { WEFT_WORKER_TYPES: 'job' });
  });
  after(async () => {
    await weft.stop();
    await db.cleanup();
  });

  for (const { name, WebSocket } of SOCKETS) {
    test(`flows connection over ${name}: pending and later requests fail with 403, an error event says so, no more reconnects`, async () => {
      const conn = createClient({ url: weft.url, apiKey: 'not-a-key', WebSocket }).flows.connect();
      const errors: WeftError[] = [];
      conn.on('error', (e) => errors.push(e));
      const ready = conn.ready();
      await assert.rejects(conn.transition({ flowInstanceId: '00000000-0000-4000-8000-000000000000', transition: 'next' }), isForbidden);
      await assert.rejects(ready, isForbidden);
      assert.ok(errors.some(isForbidden), JSON.stringify(errors.map((e) => e.message)));
      // Closed for good: a new request fails at once, with the same error.
      await assert.rejects(conn.get({ flowInstanceId: '00000000-0000-4000-8000-000000000000' }), isForbidden);
      assert.equal(conn.connected, false);
      await conn.close();
    });

    test(`a worker over ${name} stops by itself with the 403`, async () => {
      const client = createClient({ url: weft.url, apiKey: 'not-a-key', WebSocket });
      const worker = createWorker({ client, types: ['job'], waitMs: 200, handler: () => 'never' });
      const errors: Error[] = [];
      worker.on('error', ({ error }) => errors.push(error));
      const { error } = await worker.once('stopped');
      assert.ok(isForbidden(error), String(error));
      assert.ok(errors.some(isForbidden));
      assert.equal(worker.transportKind, 'ws', 'no fallback to HTTP, which refuses the key as well');
      await worker.stop();
    });

    test(`tasks.watch over ${name} ends with the 403`, async () => {
      const client = createClient({ url: weft.url, apiKey: 'not-a-key', WebSocket });
      let refusal: WeftError | null = null;
      let frames = 0;
      const watch = await new Promise<{ close(): void }>((resolve) => {
        const w = client.tasks.watch(() => frames++, {
          onError: (e) => {
            if (e.status === 403) {
              refusal = e;
              resolve(w);
            }
          },
        });
      });
      assert.ok(isForbidden(refusal));
      assert.equal(frames, 0);
      watch.close();
    });
  }

  test('a worker over HTTP stops by itself with the 403', async () => {
    const client = createClient({ url: weft.url, apiKey: 'not-a-key' });
    const worker = createWorker({ client, types: ['job'], transport: 'http', waitMs: 200, handler: () => 'never' });
    worker.on('error', () => {});
    const { error } = await worker.once('stopped');
    assert.ok(isForbidden(error), String(error));
  });

  test('with the right key, a WHATWG WebSocket works as ws does (no check gets in the way)', async () => {
    const client = createClient({ url: weft.url, apiKey: TEST_KEY, workspace: 'refusal-ok', WebSocket: UndiciWebSocket });
    const task = await client.tasks.create({ name: 'fine', type: 'job' });
    const worker = createWorker({ client, types: ['job'], waitMs: 200, handler: () => 'done' });
    const { task: done } = await worker.once('task:completed');
    assert.deepEqual([done.id, done.status], [task.id, 'completed']);
    assert.equal(worker.transportKind, 'ws');
    await worker.stop();
  });
});
