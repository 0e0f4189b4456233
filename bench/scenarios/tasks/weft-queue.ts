import { Pool } from 'undici';
import { RpcSocket } from '../../lib/ws-rpc.js';
import { BENCH_KEY, WORKER_TYPE, authHeaders, backendLabel, startWeft, type WeftBackend, type WeftProcess } from '../../lib/weft-process.js';
import { weftVersion } from '../../lib/machine.js';
import type { Samples } from '../../lib/stats.js';
import { openLoop, type QueueSystem } from './queue-system.js';

// Default 1,000 tasks per POST /v1/tasks/batch, one request at a time: as the peers enqueue
// (addBulk, addJobs, insert in chunks of 1,000). The latency phase posts tasks one by one.
const BULK = 1000;
const ENQUEUE_CONNECTIONS = 4;
// Default 100: the largest `max` a claim accepts.
const MAX_CLAIM = 100;

interface ClaimedTask {
  id: number;
  lease: string;
  created_at: string;
}

/**
 * weft as a separate process; workers on /ws/workers (the most efficient protocol it offers):
 * one `batch` frame per round trip: the completions of the tasks in hand and the next claim.
 */
export function weftQueue(backend: WeftBackend, opts: { cpuProfDir?: string } = {}): QueueSystem & { server(): WeftProcess } {
  let weft: WeftProcess | null = null;
  let pool: Pool | null = null;
  // Every round (an enqueue and its drain, a latency phase) works in a workspace of its own, so
  // that tasks left by a drain cut at its deadline never reach the next round.
  let round = 0;
  let workspace = 'r0';
  const nextWorkspace = () => (workspace = `r${++round}`);
  const wsUrl = () => `${weft!.url.replace('http', 'ws')}/ws/workers?api_key=${BENCH_KEY}&workspace_id=${workspace}`;

  async function post(i: number) {
    const res = await pool!.request({
      path: '/tasks',
      method: 'POST',
      headers: { ...authHeaders, 'x-workspace-id': workspace },
      body: JSON.stringify({ name: `t${i}`, type: WORKER_TYPE, payload: { i } }),
    });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new Error(`POST /tasks → ${res.statusCode} ${text}`);
    return JSON.parse(text).task as { id: number };
  }

  /**
   * One worker connection; `concurrency` is split over lanes that claim and acknowledge in turn, so
   * at most `concurrency` tasks are held at once and the socket is never idle.
   */
  async function work(concurrency: number, waitMs: number, stop: () => boolean, onClaimed: (tasks: ClaimedTask[], receivedAt: number) => void, onCompleted: (n: number) => void) {
    const socket = await RpcSocket.open(wsUrl());
    const lanes = Math.max(concurrency >= 2 ? 2 : 1, Math.ceil(concurrency / MAX_CLAIM));
    const per = Math.floor(concurrency / lanes);
    let failure: unknown = null;
    const lane = async (max: number) => {
      const claim = (wait: number) => ({ action: 'claim', data: { types: [WORKER_TYPE], max, wait_ms: wait, worker_id: 'bench' } });
      let tasks: ClaimedTask[] = [];
      while (!stop() && !failure) {
        // The completions of the tasks in hand and the next claim, in one frame; that claim does not
        // wait for work (the completions would be answered only after it), a claim on empty hands does.
        const r = await socket.call<{ results: { status: number; data: { tasks?: ClaimedTask[] } }[] }>('batch', {
          ops: [...tasks.map((t) => ({ action: 'complete', data: { id: t.id, lease: t.lease, result: null } })), claim(tasks.length > 0 ? 0 : waitMs)],
        });
        if (r.status !== 200) throw new Error(`batch → ${r.status} ${JSON.stringify(r.errors)}`);
        const bad = r.data.results.find((x) => x.status !== 200);
        if (bad) throw new Error(`batch op → ${JSON.stringify(bad)}`);
        if (tasks.length > 0) onCompleted(tasks.length);
        tasks = r.data.results.at(-1)!.data.tasks ?? [];
        if (tasks.length > 0) onClaimed(tasks, Date.now());
      }
      // Stopped with tasks in hand: complete them (the drain ends on a count, so none are left).
      if (tasks.length > 0) {
        await socket.call('batch', { ops: tasks.map((t) => ({ action: 'complete', data: { id: t.id, lease: t.lease, result: null } })) });
        onCompleted(tasks.length);
      }
    };
    try {
      await Promise.all(Array.from({ length: lanes }, (_, i) => lane(i < concurrency % lanes ? per + 1 : per).catch((e) => (failure = e))));
    } finally {
      socket.close();
    }
    if (failure) throw failure;
  }

  return {
    name: backendLabel(backend),
    version: weftVersion(),
    durability:
      backend.kind === 'sqlite'
        ? `SQLite WAL, synchronous=${backend.synchronous}${backend.synchronous === 'FULL' ? ' (every acknowledged change fsynced)' : ' (a crash of the process loses nothing; a power loss may lose the last commits)'}, group commit`
        : 'PostgreSQL synchronous_commit=on',
    setupNote: `external workers on /ws/workers: claim max ≤ ${MAX_CLAIM} per request over ≥2 lanes per socket, one batch frame per round trip holding the completes and the next claim; enqueue by POST /v1/tasks/batch in chunks of ${BULK} (the latency phase: POST /tasks, one task at a time); WEFT_MAX_RUNNING_PER_WORKSPACE raised so the per-workspace cap does not bound the workers`,
    server: () => weft!,
    cpuMs: () => weft!.cpuMs(),
    async setup() {
      weft = await startWeft({
        backend,
        cpuProfDir: opts.cpuProfDir,
        // The default cap of 6 running tasks per workspace is a fairness limit for the demo; a benchmark worker pool needs more.
        env: { WEFT_MAX_RUNNING_PER_WORKSPACE: '100000' },
      });
      pool = new Pool(weft.url, { connections: ENQUEUE_CONNECTIONS, pipelining: 1 });
    },
    async enqueue(n, deadline) {
      nextWorkspace();
      let done = 0;
      for (let i = 0; i < n && Date.now() < deadline; i += BULK) {
        const tasks = Array.from({ length: Math.min(BULK, n - i) }, (_, k) => ({ name: `t${i + k}`, type: WORKER_TYPE, payload: { i: i + k } }));
        const res = await pool!.request({
          path: '/v1/tasks/batch',
          method: 'POST',
          headers: { ...authHeaders, 'x-workspace-id': workspace, 'content-type': 'application/json' },
          body: JSON.stringify({ tasks }),
        });
        const text = await res.body.text();
        if (res.statusCode !== 200) throw new Error(`POST /v1/tasks/batch → ${res.statusCode} ${text}`);
        done += tasks.length;
      }
      return done;
    },
    async drain(n, concurrency, deadline) {
      let completed = 0;
      let lastAt = 0;
      const start = performance.now();
      await work(
        concurrency,
        200,
        () => completed >= n || Date.now() > deadline,
        () => {},
        (k) => {
          completed += k;
          lastAt = performance.now();
        },
      );
      return { completed, elapsedMs: lastAt - start };
    },
    async latency(rate, durationMs, concurrency, samples) {
      nextWorkspace();
      let stopped = false;
      const worker = work(
        concurrency,
        1000,
        () => stopped,
        (tasks, receivedAt) => {
          for (const t of tasks) samples.add(receivedAt - Date.parse(t.created_at));
        },
        () => {},
      );
      const count = Math.round((rate * durationMs) / 1000);
      await openLoop(count, rate, post);
      const until = Date.now() + 5000;
      while (samples.count < count && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      stopped = true;
      await worker;
    },
    async teardown() {
      await pool?.close();
      await weft?.stop();
      await weft?.cleanup();
    },
  };
}
