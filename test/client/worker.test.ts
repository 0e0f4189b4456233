import { test, describe, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { WebSocket as WsSocket } from 'ws';
import { startTcpProxy } from './fixtures/tcp-proxy.js';
import { sqliteBackend } from '../helpers/backends.js';
import { freePort } from '../helpers/child-weft.js';
import { eventually, freshDatabase, startWeft, TEST_KEY, type Database, type RunningWeft } from '../helpers/weft.js';
import { createClient, createWorker, NonRetryableError, WeftError, type FlowConnection, type Task, type Worker } from '../../packages/client/src/index.js';

// Checked by `npm run lint` (tsc), never run: event names are typed, payloads too.
export function eventNamesAreTyped(worker: Worker<unknown, unknown>, flows: FlowConnection) {
  // @ts-expect-error an event no worker emits
  worker.on('task:unknown', () => {});
  // @ts-expect-error an event no flow connection emits
  flows.on('nope', () => {});
  worker.on('error', (e) => e.error.message);
}

// Workers against a real weft with a short lease (800 ms), so that a missing heartbeat shows within
// seconds, yet a heartbeat every third of it gets through on a busy machine.
const LEASE_MS = 800;

type Frame = { action: string; data: { max?: number; ops?: { action: string; data: { max?: number; wait_ms?: number } }[] } };

/** A WebSocket class for the client that records the frames the worker sends. */
function recording() {
  const frames: Frame[] = [];
  class RecordingSocket extends WsSocket {
    override send(data: string) {
      frames.push(JSON.parse(data));
      super.send(data);
    }
  }
  return { frames, RecordingSocket };
}

describe('createWorker (SQLite)', () => {
  let db: Database;
  let weft: RunningWeft;
  let n = 0;
  const workspace = () => `worker-${++n}`;
  before(async () => {
    db = freshDatabase(sqliteBackend);
    weft = await startWeft(db, { WEFT_WORKER_TYPES: 'job,slow,flaky', WEFT_TASK_LEASE_MS: String(LEASE_MS), WEFT_MAX_RUNNING_PER_WORKSPACE: '50', WEFT_TASK_BACKOFF_MS: '50' });
  });
  after(async () => {
    await weft.stop();
    await db.cleanup();
  });

  test('runs tasks concurrently over /ws/workers, claiming several at once, and completes them with the return value', async () => {
    const { frames, RecordingSocket } = recording();
    const client = createClient({ url: weft.url, apiKey: TEST_KEY, workspace: workspace(), WebSocket: RecordingSocket });
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push((await client.tasks.create({ name: `t${i}`, type: 'job', payload: { n: i } })).id);
    let running = 0;
    let peak = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const worker = createWorker<{ n: number }, { double: number }>({
      client,
      types: ['job'],
      concurrency: 5,
      waitMs: 200,
      handler: async (task) => {
        running++;
        peak = Math.max(peak, running);
        if (running === 5) release();
        await gate;
        running--;
        return { double: task.payload.n * 2 };
      },
    });
    const completed: Task[] = [];
    worker.on('task:completed', ({ task }) => completed.push(task));
    await eventually(() => completed.length, (c) => c === 5, 10_000, 'five completions');
    assert.equal(worker.transportKind, 'ws');
    assert.equal(peak, 5, 'all five ran at once');
    assert.equal(frames[0].action, 'claim');
    assert.equal(frames[0].data.max, 5, 'the first claim asks for every free slot');
    const completes = frames.filter((f) => f.action === 'batch').map((f) => f.data.ops!.filter((o) => o.action === 'complete').length);
    assert.equal(completes.reduce((a, b) => a + b, 0), 5);
    assert.ok(Math.max(...completes) > 1, `completions share batch frames (${JSON.stringify(completes)})`);
    for (const id of ids) {
      const t = await client.tasks.get(id);
      assert.equal(t.status, 'completed');
      assert.deepEqual(t.result, { double: (t.payload as { n: number }).n * 2 });
    }
    await worker.stop();
  });

  test('the next claim rides on the batch of completions: one round trip to finish work and fetch more', async () => {
    const { frames, RecordingSocket } = recording();
    const client = createClient({ url: weft.url, apiKey: TEST_KEY, workspace: workspace(), WebSocket: RecordingSocket });
    const total = 60;
    await client.tasks.createMany(Array.from({ length: total }, (_, i) => ({ name: `r${i}`, type: 'job' })));
    let running = 0;
    let peak = 0;
    const worker = createWorker({
      client,
      types: ['job'],
      concurrency: 4,
      waitMs: 200,
      handler: async () => {
        running++;
        peak = Math.max(peak, running);
        await new Promise((r) => setTimeout(r, 2));
        running--;
        return null;
      },
    });
    let completed = 0;
    worker.on('task:completed', () => completed++);
    await eventually(() => completed, (c) => c === total, 15_000, 'every task completed');
    await worker.stop();
    assert.ok(peak <= 4, `never more than the concurrency at once (peak ${peak})`);
    const riding = frames.filter((f) => f.action === 'batch' && f.data.ops!.at(-1)!.action === 'claim');
    const alone = frames.filter((f) => f.action === 'claim');
    assert.ok(riding.length > 0, 'some batches carry a claim');
    for (const f of riding) {
      const claim = f.data.ops!.at(-1)!.data;
      assert.equal(claim.wait_ms, 0, 'a claim riding on acknowledgements does not wait for work');
      assert.ok(claim.max! >= 1 && claim.max! <= 4, `it asks for free slots only (${claim.max})`);
    }
    assert.ok(alone.length < riding.length, `claims of their own (${alone.length}) are fewer than those riding on batches (${riding.length})`);
  });

  test('heartbeats keep the lease of a task that runs for many leases', async () => {
    const client = createClient({ url: weft.url, apiKey: TEST_KEY, workspace: workspace() });
    const task = await client.tasks.create({ name: 'long', type: 'slow' });
    const errors: unknown[] = [];
    const worker = createWorker({
      client,
      types: ['slow'],
      waitMs: 200,
      // An eighth of the lease (the default is a third): on a machine busy enough to hold this
      // process's event loop for 500 ms (CI with a browser test beside it), a beat still lands in time.
      heartbeatIntervalMs: LEASE_MS / 8,
      handler: async (_t, { signal }) => {
        await new Promise((r) => setTimeout(r, LEASE_MS * 3));
        assert.equal(signal.aborted, false);
        return 'done';
      },
    });
    worker.on('error', ({ error }) => errors.push(error));
    const done = await eventually(() => client.tasks.get(task.id), (t) => t.status !== 'queued' && t.status !== 'running', 10_000, 'the long task to finish');
    assert.equal(done.status, 'completed');
    assert.equal(done.result, 'done');
    assert.equal(done.attempts, 1, 'the lease never expired');
    assert.deepEqual(errors, []);
    await worker.stop();
  });

  test('a thrown error fails the task with its message and stack; retryable: false fails it at once', async () => {
    const client = createClient({ url: weft.url, apiKey: TEST_KEY, workspace: workspace() });
    const a = await client.tasks.create({ name: 'retry-me', type: 'flaky', max_attempts: 3 });
    const b = await client.tasks.create({ name: 'give-up', type: 'flaky', payload: { fatal: true }, max_attempts: 3 });
    const failures: { id: number; willRetry: boolean }[] = [];
    const worker = createWorker<{ fatal?: boolean }>({
      client,
      types: ['flaky'],
      waitMs: 100,
      handler: (task) => {
        if (task.payload?.fatal) throw new NonRetryableError('bad input', { field: 'x' });
        if (task.attempts < 2) throw new Error('transient');
        return 'ok';
      },
    });
    worker.on('task:failed', ({ task, willRetry }) => failures.push({ id: task.id, willRetry }));
    const ta = await eventually(() => client.tasks.get(a.id), (t) => t.status === 'completed', 10_000, 'the flaky task to succeed on its second attempt');
    assert.equal(ta.attempts, 2);
    const tb = await client.tasks.get(b.id);
    assert.equal(tb.status, 'failed');
    assert.equal(tb.attempts, 1);
    const error = tb.error as { message: string; name: string; stack: string; data: unknown };
    assert.equal(error.message, 'bad input');
    assert.equal(error.name, 'NonRetryableError');
    assert.match(error.stack, /worker\.test\.ts/);
    assert.deepEqual(error.data, { field: 'x' });
    assert.deepEqual(failures.sort((x, y) => x.id - y.id), [
      { id: a.id, willRetry: true },
      { id: b.id, willRetry: false },
    ]);
    await worker.stop();
  });

  test('a result that is not JSON fails its own task and does not sink the others in its batch', async () => {
    const client = createClient({ url: weft.url, apiKey: TEST_KEY, workspace: workspace() });
    const bad = await client.tasks.create({ name: 'bigint', type: 'job', payload: 'bad', max_attempts: 1 });
    const good = await client.tasks.create({ name: 'fine', type: 'job', payload: 'good' });
    const worker = createWorker<string, unknown>({ client, types: ['job'], waitMs: 100, handler: (t) => (t.payload === 'bad' ? 10n : 'ok') });
    await eventually(() => client.tasks.list(), (ts) => ts.every((t) => t.status === 'completed' || t.status === 'failed'), 10_000, 'both tasks finished');
    assert.equal((await client.tasks.get(good.id)).result, 'ok');
    const b = await client.tasks.get(bad.id);
    assert.equal(b.status, 'failed');
    assert.match((b.error as { message: string }).message, /not JSON-serialisable/);
    await worker.stop();
  });

  test('a worker whose socket drops mid-task reconnects, keeps heartbeating and completes the task once', async () => {
    const proxy = await startTcpProxy(weft.url);
    try {
      const ws = workspace();
      const client = createClient({ url: proxy.url, apiKey: TEST_KEY, workspace: ws });
      const direct = createClient({ url: weft.url, apiKey: TEST_KEY, workspace: ws });
      const task = await direct.tasks.create({ name: 'bumpy', type: 'slow' });
      let started = false;
      const worker = createWorker({
        client,
        types: ['slow'],
        waitMs: 200,
        heartbeatIntervalMs: LEASE_MS / 8,
        handler: async (_t, { signal }) => {
          started = true;
          await new Promise((r) => setTimeout(r, LEASE_MS * 3));
          return signal.aborted ? 'aborted' : 'survived';
        },
      });
      await eventually(() => started, (s) => s, 10_000, 'the handler to start');
      proxy.dropAll();
      const done = await eventually(() => direct.tasks.get(task.id), (t) => t.status === 'completed', 10_000, 'the task completed after the drop');
      assert.equal(done.result, 'survived');
      assert.equal(done.attempts, 1);
      await worker.stop();
    } finally {
      await proxy.close();
    }
  });

  test('a completion whose answer is lost is sent again after the reconnect and counted once', async () => {
    const proxy = await startTcpProxy(weft.url);
    try {
      const ws = workspace();
      const client = createClient({ url: proxy.url, apiKey: TEST_KEY, workspace: ws });
      const direct = createClient({ url: weft.url, apiKey: TEST_KEY, workspace: ws });
      const task = await direct.tasks.create({ name: 'lost-answer', type: 'job' });
      const completed: number[] = [];
      const errors: Error[] = [];
      // Heartbeats far apart, so that the next frame from the server is the answer to the completion.
      const worker = createWorker({
        client,
        types: ['job'],
        // One slot: the next claim waits on the server for 1.5 s, so its answer is not the frame lost.
        concurrency: 1,
        waitMs: 1500,
        heartbeatIntervalMs: 60_000,
        handler: () => {
          proxy.dropOnNextServerData();
          return 'once';
        },
      });
      worker.on('task:completed', ({ task: t }) => completed.push(t.id));
      worker.on('error', ({ error }) => errors.push(error));
      await eventually(() => completed.length, (n) => n === 1, 10_000, 'the completion to be confirmed');
      assert.ok(proxy.drops >= 1, 'an answer was lost');
      assert.deepEqual(completed, [task.id]);
      assert.deepEqual(errors.map((e) => e.message), []);
      const t = await direct.tasks.get(task.id);
      assert.deepEqual([t.status, t.result, t.attempts], ['completed', 'once', 1]);
      await worker.stop();
    } finally {
      await proxy.close();
    }
  });

  /**
   * A worker on `client` (through `proxy`) whose handler runs `outcome` once the proxy has been told to
   * lose the next frame the worker sends (the acknowledgement) and refuse new connections.
   */
  function swallowingWorker(proxy: Awaited<ReturnType<typeof startTcpProxy>>, client: ReturnType<typeof createClient>, outcome: () => string) {
    const errors: WeftError[] = [];
    const worker = createWorker({
      client,
      types: ['job'],
      transport: 'ws',
      concurrency: 1,
      heartbeatIntervalMs: 60_000,
      handler: () => {
        proxy.dropOnNextClientData();
        proxy.refuse = true;
        return outcome();
      },
    });
    worker.on('error', ({ error }) => errors.push(error as WeftError));
    return { worker, errors };
  }

  test('a completion that never arrived, sent again once another worker holds the task, is not reported as completed', async () => {
    const proxy = await startTcpProxy(weft.url);
    let other: Worker | null = null;
    try {
      const ws = workspace();
      const client = createClient({ url: proxy.url, apiKey: TEST_KEY, workspace: ws });
      const direct = createClient({ url: weft.url, apiKey: TEST_KEY, workspace: ws });
      const task = await direct.tasks.create({ name: 'swallowed', type: 'job' });
      const completed: number[] = [];
      // The batch carrying the completion is lost with the connection, and the worker cannot come
      // back until the task has gone to another worker.
      const { worker, errors } = swallowingWorker(proxy, client, () => 'first worker');
      worker.on('task:completed', ({ task: t }) => completed.push(t.id));
      await eventually(() => direct.tasks.get(task.id), (t) => t.status === 'queued' && t.attempts === 1, 10_000, 'the lease to run out and the task to be queued again');
      let release!: () => void;
      const held = new Promise<string>((r) => (release = () => r('second worker')));
      other = createWorker({ client: direct, types: ['job'], waitMs: 200, handler: () => held });
      await eventually(() => direct.tasks.get(task.id), (t) => t.status === 'running' && t.attempts === 2, 10_000, 'the other worker to hold the task');
      proxy.refuse = false;
      await eventually(() => errors.filter((e) => e.code === 'WEFT_TASK_LEASE_LOST').length, (n) => n === 1, 15_000, 'the completion sent again and refused');
      assert.deepEqual(completed, [], 'not reported as completed');
      release();
      const done = await eventually(() => direct.tasks.get(task.id), (t) => t.status === 'completed', 10_000, 'the other worker to complete it');
      assert.deepEqual([done.result, done.attempts], ['second worker', 2]);
      await worker.stop();
    } finally {
      await other?.stop();
      await proxy.close();
    }
  });

  test('a failure that never arrived, sent again after the lease ran out and failed the task, is not reported as failed', async () => {
    const proxy = await startTcpProxy(weft.url);
    try {
      const ws = workspace();
      const client = createClient({ url: proxy.url, apiKey: TEST_KEY, workspace: ws });
      const direct = createClient({ url: weft.url, apiKey: TEST_KEY, workspace: ws });
      // One attempt: the lease running out fails the task, so nothing claims it again.
      const task = await direct.tasks.create({ name: 'swallowed-failure', type: 'job', max_attempts: 1 });
      const failed: number[] = [];
      const { worker, errors } = swallowingWorker(proxy, client, () => {
        throw new Error('the handler failed');
      });
      worker.on('task:failed', ({ task: t }) => failed.push(t.id));
      const expired = await eventually(() => direct.tasks.get(task.id), (t) => t.status === 'failed', 10_000, 'the lease to run out');
      assert.deepEqual(expired.error, { message: 'lease expired' });
      proxy.refuse = false;
      // The server answers "not running", as it would to a failure that got through: the task tells them apart.
      await eventually(() => errors.filter((e) => e.code === 'WEFT_TASK_NOT_RUNNING').length, (n) => n === 1, 15_000, 'the failure sent again and refused');
      assert.deepEqual(failed, [], 'not reported as failed');
      await worker.stop();
    } finally {
      await proxy.close();
    }
  });

  test('the long-poll HTTP transport does the same work', async () => {
    const client = createClient({ url: weft.url, apiKey: TEST_KEY, workspace: workspace() });
    for (let i = 0; i < 4; i++) await client.tasks.create({ name: `h${i}`, type: 'job', payload: i });
    const worker = createWorker<number, number>({ client, types: ['job'], transport: 'http', waitMs: 200, handler: (t) => t.payload + 1 });
    await eventually(() => client.tasks.list(), (ts) => ts.every((t) => t.status === 'completed'), 10_000, 'every task completed over HTTP');
    assert.equal(worker.transportKind, 'http');
    assert.deepEqual((await client.tasks.list()).map((t) => t.result), [1, 2, 3, 4]);
    await worker.stop();
  });

  test("'auto' falls back to HTTP when the socket cannot be opened but the server answers", async () => {
    class NoSocket {
      readyState = 3;
      onopen = null;
      onmessage = null;
      onerror: ((e: unknown) => void) | null = null;
      onclose: ((e: { code: number; reason: string }) => void) | null = null;
      constructor() {
        setTimeout(() => {
          this.onerror?.({});
          this.onclose?.({ code: 1006, reason: '' });
        }, 5);
      }
      send() {}
      close() {}
    }
    const client = createClient({ url: weft.url, apiKey: TEST_KEY, workspace: workspace(), WebSocket: NoSocket });
    const task = await client.tasks.create({ name: 'fallback', type: 'job' });
    const worker = createWorker({ client, types: ['job'], waitMs: 200, handler: () => 'via http' });
    const done = await eventually(() => client.tasks.get(task.id), (t) => t.status === 'completed', 10_000, 'the task completed after the fallback');
    assert.equal(done.result, 'via http');
    assert.equal(worker.transportKind, 'http');
    await worker.stop();
  });

  test("'auto' started before its server stays on the socket once the server is up", async () => {
    const late = freshDatabase(sqliteBackend);
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const client = createClient({ url, apiKey: TEST_KEY, workspace: workspace() });
    const worker = createWorker({ client, types: ['job'], waitMs: 200, handler: () => 'over the socket' });
    const errors: WeftError[] = [];
    worker.on('error', ({ error }) => errors.push(error as WeftError));
    let server: RunningWeft | null = null;
    try {
      // The server comes up only after the worker found it down.
      await eventually(() => errors.length, (n) => n >= 1, 10_000, 'a refused connection');
      assert.equal(errors[0].code, 'WEFT_CLIENT_CONNECT');
      server = await startWeft(late, { WEFT_PORT: String(port), WEFT_WORKER_TYPES: 'job' });
      const task = await client.tasks.create({ name: 'after-start', type: 'job' });
      const { task: done } = await worker.once('task:completed');
      assert.deepEqual([done.id, done.result], [task.id, 'over the socket']);
      assert.equal(worker.transportKind, 'ws');
      await worker.stop();
    } finally {
      await server?.stop();
      await late.cleanup();
    }
  });

  test('stop() stops claiming and lets running handlers finish', async () => {
    const client = createClient({ url: weft.url, apiKey: TEST_KEY, workspace: workspace() });
    for (let i = 0; i < 3; i++) await client.tasks.create({ name: `d${i}`, type: 'job' });
    let started = 0;
    const worker = createWorker({
      client,
      types: ['job'],
      concurrency: 3,
      waitMs: 200,
      handler: async () => {
        started++;
        await new Promise((r) => setTimeout(r, 400));
        return 'drained';
      },
    });
    await eventually(() => started, (s) => s === 3, 10_000, 'three handlers running');
    const stopping = worker.stop({ graceMs: 5000 });
    const late = await client.tasks.create({ name: 'late', type: 'job' });
    await stopping;
    const tasks = await client.tasks.list();
    assert.deepEqual(tasks.filter((t) => t.id !== late.id).map((t) => [t.status, t.result]), [['completed', 'drained'], ['completed', 'drained'], ['completed', 'drained']]);
    assert.equal((await client.tasks.get(late.id)).status, 'queued', 'nothing claimed after stop()');
  });

  test('stop() releases the tasks whose handlers outlast the grace period, and aborts their signal', async () => {
    const client = createClient({ url: weft.url, apiKey: TEST_KEY, workspace: workspace() });
    const task = await client.tasks.create({ name: 'stuck', type: 'slow' });
    let aborted: unknown = null;
    const worker = createWorker({
      client,
      types: ['slow'],
      waitMs: 200,
      handler: (_t, { signal }) =>
        new Promise((_resolve, reject) => {
          signal.addEventListener('abort', () => {
            aborted = signal.reason;
            reject(signal.reason);
          });
        }),
    });
    const released: number[] = [];
    worker.on('task:released', ({ task: t }) => released.push(t.id));
    await eventually(() => worker.running, (r) => r === 1, 10_000, 'the handler running');
    await worker.stop({ graceMs: 50 });
    assert.ok(aborted instanceof WeftError && aborted.code === 'WEFT_CLIENT_STOPPING');
    assert.deepEqual(released, [task.id]);
    const t = await client.tasks.get(task.id);
    assert.equal(t.status, 'queued');
    assert.equal(t.worker, null);
  });

  for (const transport of ['ws', 'http'] as const) {
    test(`stop() resolves while the server is unreachable (${transport}), giving up the release it could not send`, async () => {
      const own = freshDatabase(sqliteBackend);
      // The default lease (30 s): no heartbeat is missed while the server stops.
      let server: RunningWeft | null = await startWeft(own, { WEFT_WORKER_TYPES: 'slow' });
      try {
        const client = createClient({ url: server.url, apiKey: TEST_KEY, workspace: 'unreachable' });
        await client.tasks.create({ name: 'stranded', type: 'slow' });
        const worker = createWorker({
          client,
          types: ['slow'],
          transport,
          waitMs: 200,
          releaseTimeoutMs: 300,
          handler: (_t, { signal }) => new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason))),
        });
        const released: number[] = [];
        const errors: WeftError[] = [];
        worker.on('task:released', ({ task: t }) => released.push(t.id));
        worker.on('error', ({ error }) => errors.push(error as WeftError));
        await eventually(() => worker.running, (r) => r === 1, 10_000, 'the handler running');
        await server.stop();
        server = null;
        await worker.stop({ graceMs: 50 });
        assert.deepEqual(released, []);
        // The task's lease returns it to the queue (the server's part, tested with the task store).
        const given = errors.filter((e) => e.code === 'WEFT_CLIENT_CLOSED');
        assert.equal(given.length, 1, `the release was given up (${errors.map((e) => e.code).join(', ')})`);
        assert.equal(worker.running, 0);
      } finally {
        await server?.stop();
        await own.cleanup();
      }
    });
  }

  test('SIGTERM (handleSignals) while the server is unreachable: the process still exits by itself', async () => {
    const own = freshDatabase(sqliteBackend);
    let server: RunningWeft | null = await startWeft(own, { WEFT_WORKER_TYPES: 'slow' });
    try {
      const client = createClient({ url: server.url, apiKey: TEST_KEY, workspace: 'unreachable-signal' });
      const a = await client.tasks.create({ name: 'a', type: 'slow' });
      const child = spawn(process.execPath, ['--import', 'tsx', 'test/client/fixtures/signal-worker.ts', server.url, TEST_KEY, 'unreachable-signal', 'slow', '300'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (out += d));
      const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
      await eventually(() => out, (o) => o.includes(`started ${a.id}`), 15_000, 'the task started');
      await server.stop();
      server = null;
      child.kill('SIGTERM');
      assert.equal(await exited, 0, out);
      assert.match(out, /stopped/);
    } finally {
      await server?.stop();
      await own.cleanup();
    }
  });

  test('a lost lease aborts the handler signal and nothing is reported for it', async () => {
    const client = createClient({ url: weft.url, apiKey: TEST_KEY, workspace: workspace() });
    const task = await client.tasks.create({ name: 'starved', type: 'slow', max_attempts: 1 });
    const errors: WeftError[] = [];
    let reason: unknown = null;
    const worker = createWorker({
      client,
      types: ['slow'],
      waitMs: 200,
      // Heartbeats far apart: the lease runs out between two of them.
      heartbeatIntervalMs: LEASE_MS * 4,
      handler: (_t, { signal }) =>
        new Promise((resolve) => {
          signal.addEventListener('abort', () => {
            reason = signal.reason;
            resolve('too late');
          });
        }),
    });
    worker.on('error', ({ error }) => errors.push(error as WeftError));
    await eventually(() => reason, (r) => r !== null, 10_000, 'the abort');
    assert.ok(reason instanceof WeftError && reason.code === 'WEFT_TASK_LEASE_LOST');
    assert.ok(errors.some((e) => e.code === 'WEFT_TASK_LEASE_LOST'));
    await worker.stop();
    const t = await eventually(() => client.tasks.get(task.id), (x) => x.status === 'failed', 5000, 'the expired task failed (no attempts left)');
    assert.notEqual(t.result, 'too late');
  });

  test('a worker killed mid-task (SIGKILL) lets another worker finish it once the lease expires', async () => {
    const ws = workspace();
    const client = createClient({ url: weft.url, apiKey: TEST_KEY, workspace: ws });
    const task = await client.tasks.create({ name: 'survivor', type: 'slow' });
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/client/fixtures/hanging-worker.ts', weft.url, TEST_KEY, ws, 'slow'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const exited = new Promise((r) => child.on('exit', r));
    await eventually(() => out, (o) => o.includes(`started ${task.id}`), 15_000, 'the child worker to start the task');
    child.kill('SIGKILL');
    await exited;
    const worker = createWorker({ client, types: ['slow'], waitMs: 200, handler: (t) => `finished on attempt ${t.attempts}` });
    const done = await eventually(() => client.tasks.get(task.id), (t) => t.status === 'completed', 10_000, 'the second worker to finish the task');
    assert.equal(done.result, 'finished on attempt 2');
    await worker.stop();
  });

  test('SIGTERM (handleSignals) drains: the running tasks finish, nothing more is claimed, the process exits by itself', async () => {
    const ws = workspace();
    const client = createClient({ url: weft.url, apiKey: TEST_KEY, workspace: ws });
    const a = await client.tasks.create({ name: 'a', type: 'slow' });
    const b = await client.tasks.create({ name: 'b', type: 'slow' });
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/client/fixtures/signal-worker.ts', weft.url, TEST_KEY, ws, 'slow'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    await eventually(() => out, (o) => o.includes(`started ${a.id}`) && o.includes(`started ${b.id}`), 15_000, 'both tasks started');
    const late = await client.tasks.create({ name: 'late', type: 'slow' });
    child.kill('SIGTERM');
    assert.equal(await exited, 0, out);
    assert.match(out, /stopped/);
    for (const id of [a.id, b.id]) {
      const t = await client.tasks.get(id);
      assert.equal(t.status, 'completed');
      assert.equal(t.result, 'finished after SIGTERM');
    }
    assert.equal((await client.tasks.get(late.id)).status, 'queued');
  });
});
