// Input transforms (JSONata) run on worker threads, never on the event loop.
//
// JSONata checks its timeout only when it enters an evaluation step, and several of its builtins
// run long without entering one: `$distinct` compares every pair (1e6 items: minutes), `$sort`
// without a comparator awaits a promise per comparison (1e6 items: 4 GB, and the node died out of
// memory), `$pad("x", 1e8)` took 5 s. On the event loop each of these stalled every request of
// the node, or ended it. On a worker the node serves on: a transform still running past its
// timeout (plus GRACE_MS) is stopped by terminating its thread, and a thread's heap is capped
// (HEAP_MB), so running out of memory ends only that thread. Either way the request fails as any
// other transform error does, and the next one gets a new thread.

import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

// Default 2 threads: the machines weft targets have two cores; more would only queue on them.
const THREADS = 2;
// Default 512 MB: each thread's old-space heap. Request bodies are at most WEFT_BODY_LIMIT_BYTES
// (1 MB by default) and lookups answer a few MB at most; past this a transform is runaway.
const HEAP_MB = 512;
// Default 8 jobs sent ahead to a thread: it evaluates them one after another without waiting for
// the main thread between them (one at a time, the round trips halved the requests per second).
const PIPELINE = 8;
// Default 1 s past the transform's own timeout: JSONata's guard throws D1012 within a step of the
// timeout; a thread still busy this much later is inside a builtin that never checks.
const GRACE_MS = 1000;
// Default 3000: evaluation depth before JSONata reports a runaway recursion (D1011) rather than
// exhausting the thread's stack.
const MAX_DEPTH = 3000;
// Default 256 expressions: far more than the distinct transforms of one deployment's endpoints.
const CACHE_LIMIT = 256;

// CommonJS text, so it runs the same from the sources and from the bundle; jsonata is passed by
// its resolved path. A result that cannot be cloned (it holds a function: a JSONata lambda is an
// object with a function inside) goes back as its JSON, without the functions.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const jsonata = require(workerData.jsonata);
const compiled = new Map();
const noFunctions = (key, v) => (v !== null && typeof v === 'object' && (v._jsonata_lambda || v._jsonata_function) ? undefined : v);
function expression(text) {
  let e = compiled.get(text);
  if (e === undefined) {
    e = jsonata(text, { timeout: workerData.timeoutMs, stack: workerData.maxDepth });
    if (compiled.size >= workerData.cacheLimit) compiled.delete(compiled.keys().next().value);
    compiled.set(text, e);
  }
  return e;
}
parentPort.on('message', async (job) => {
  const id = job.id;
  const data = job.data;
  data.transforms = {};
  try {
    for (const [key, text] of job.transforms) data.transforms[key] = await expression(text).evaluate(data);
  } catch (e) {
    parentPort.postMessage({ id, ok: false, message: e && typeof e.message === 'string' ? e.message : String(e) });
    return;
  }
  try {
    parentPort.postMessage({ id, ok: true, value: data.transforms });
  } catch {
    let json;
    try {
      json = JSON.stringify(data.transforms, noFunctions);
    } catch (e) {
      parentPort.postMessage({ id, ok: false, message: 'the result cannot be serialised: ' + e.message });
      return;
    }
    parentPort.postMessage({ id, ok: true, value: JSON.parse(json) });
  }
});
`;

export class TransformError extends Error {}

export interface TransformPool {
  /** Evaluates `transforms` in order over a copy of `data` (each result is `transforms.<key>` to the later ones); the results by key. */
  run(data: object, transforms: Array<[string, string]>): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

interface Job {
  id: number;
  data: object;
  transforms: Array<[string, string]>;
  resolve(value: Record<string, unknown>): void;
  reject(e: Error): void;
}

interface Thread {
  worker: Worker;
  /** Sent and not answered, in order: a thread evaluates one at a time, so the first is the one running. */
  jobs: Job[];
  /** Stops the thread when the running job is past its deadline. */
  timer: NodeJS.Timeout | null;
}

interface Answer {
  id: number;
  ok: boolean;
  value?: Record<string, unknown>;
  message?: string;
}

export function createTransformPool(timeoutMs: number): TransformPool {
  const jsonataPath = createRequire(import.meta.url).resolve('jsonata');
  const threads = new Set<Thread>();
  const queue: Job[] = [];
  let closed = false;
  let ids = 0;

  function spawn(): Thread {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { jsonata: jsonataPath, timeoutMs, maxDepth: MAX_DEPTH, cacheLimit: CACHE_LIMIT },
      resourceLimits: { maxOldGenerationSizeMb: HEAP_MB },
    });
    worker.unref();
    const thread: Thread = { worker, jobs: [], timer: null };
    threads.add(thread);
    worker.on('message', (m: Answer) => {
      if (!threads.has(thread) || thread.jobs[0]?.id !== m.id) return;
      const job = thread.jobs.shift()!;
      watch(thread);
      if (m.ok) job.resolve(m.value ?? {});
      else job.reject(new TransformError(m.message));
      next();
    });
    let failure = 'the transform thread stopped';
    worker.on('error', (e: Error & { code?: string }) => {
      failure = e.code === 'ERR_WORKER_OUT_OF_MEMORY' ? `the transform ran out of memory (${HEAP_MB} MB)` : `the transform thread failed: ${e.message}`;
    });
    worker.on('exit', () => lost(thread, failure));
    return thread;
  }

  // The deadline of the thread's running job, counted from when it started (the answer before it came).
  function watch(thread: Thread) {
    if (thread.timer) clearTimeout(thread.timer);
    thread.timer = null;
    if (thread.jobs.length === 0) return;
    thread.timer = setTimeout(() => {
      thread.timer = null;
      void thread.worker.terminate();
      lost(thread, `Evaluation timeout after ${timeoutMs} milliseconds. Check for infinite loop`);
    }, timeoutMs + GRACE_MS);
  }

  // A thread that ended (stopped past its deadline, out of memory): its running job fails; the jobs
  // queued behind it had not started (transforms have no side effects), so they go to another.
  function lost(thread: Thread, message: string) {
    if (!threads.delete(thread)) return;
    if (thread.timer) clearTimeout(thread.timer);
    const [running, ...waiting] = thread.jobs.splice(0);
    queue.unshift(...waiting);
    running?.reject(new TransformError(message));
    next();
  }

  function next() {
    while (queue.length > 0 && !closed) {
      // The least busy thread; a new one while there is room and every thread is busy.
      let thread: Thread | undefined;
      for (const t of threads) if (!thread || t.jobs.length < thread.jobs.length) thread = t;
      if (!thread || (thread.jobs.length > 0 && threads.size < THREADS)) thread = spawn();
      else if (thread.jobs.length >= PIPELINE) return;
      const job = queue.shift()!;
      try {
        thread.worker.postMessage({ id: job.id, data: job.data, transforms: job.transforms });
      } catch (e) {
        // The request's data cannot be cloned (it came from JSON, XML or a form, so this is a defect).
        job.reject(new TransformError(`the request's data cannot be passed to the transform: ${(e as Error).message}`));
        continue;
      }
      thread.jobs.push(job);
      if (thread.jobs.length === 1) watch(thread);
    }
  }

  return {
    run(data, transforms) {
      if (closed) return Promise.reject(new TransformError('the server is shutting down'));
      return new Promise((resolve, reject) => {
        queue.push({ id: ++ids, data, transforms, resolve, reject });
        next();
      });
    },
    async close() {
      closed = true;
      for (const job of queue.splice(0)) job.reject(new TransformError('the server is shutting down'));
      await Promise.all([...threads].map((t) => t.worker.terminate()));
    },
  };
}
