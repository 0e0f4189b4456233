import type { WebSocket } from 'ws';
import type { Engine } from '../../engine/engine.js';
import { readClaimInput, readTaskId, TaskFieldInvalid } from '../../core/queue/task-request.js';
import type { CompleteItem } from '../../storage/task-store.js';
import { renderClaimedTask, renderTask } from '../http/task-render.js';
import { errorResponse, badRequest, serveRpc, type RpcResponse, type RequestId } from './rpc-envelope.js';

// /ws/workers: the worker protocol over one socket, in the shared envelope.
// Actions: claim {types, max, wait_ms, worker_id} → {tasks}; heartbeat|complete|fail|release {id, lease, …} → {task};
// batch {ops: [{action, data}, …]} → {results: [{status, errors, data}, …]}.
// PERF: `batch` carries many acknowledgements in one frame, and may end with one `claim`, run once
// the acknowledgements are committed: a worker's finish-and-fetch-more is one round trip. Completions
// and a claim only are the engine's completeAndClaim (on PostgreSQL, one transaction).

const ACTIONS = ['claim', 'heartbeat', 'complete', 'fail', 'release', 'batch'] as const;
// Default 1000 operations per batch frame.
const MAX_BATCH = 1000;

type BatchResult = Pick<RpcResponse, 'status' | 'errors' | 'data'>;
const resultOf = ({ status, errors, data }: RpcResponse): BatchResult => ({ status, errors, data });

/** What read() returns, or null where it rejects the input. */
function validOrNull<T>(read: () => T): T | null {
  try {
    return read();
  } catch {
    return null;
  }
}

/** An op's data: an object, or nothing (then its fields are reported missing). */
const opData = (d: unknown): Record<string, unknown> => (d !== null && typeof d === 'object' && !Array.isArray(d) ? (d as Record<string, unknown>) : {});

export function handleWorkerSocket(engine: Engine, ws: number, socket: WebSocket) {
  const abort = new AbortController();
  socket.on('close', () => abort.abort());

  /** A claim; in a batch, after its acknowledgements (`finishing`), so that the slots they freed count. */
  async function claim(requestId: RequestId, data: Record<string, unknown>, finishing: ReadonlyArray<Promise<unknown>> | null): Promise<RpcResponse> {
    try {
      const input = readClaimInput(data);
      const tasks = await (finishing ? engine.tasks.claimAfter(ws, finishing, input, abort.signal) : engine.tasks.claim(ws, input, abort.signal));
      return { request_id: requestId, errors: [], status: 200, data: { tasks: tasks.map(renderClaimedTask) } };
    } catch (err) {
      return errorResponse(requestId, err);
    }
  }

  /**
   * A batch of well-formed completions ending with a valid claim, through the engine's
   * completeAndClaim (on PostgreSQL one transaction); null for any other batch.
   */
  function completeAndClaim(acks: unknown[], claimData: Record<string, unknown>): Promise<BatchResult[]> | null {
    const items: CompleteItem[] = [];
    for (const op of acks) {
      const o = op as { action?: unknown; data?: unknown };
      if (typeof o !== 'object' || o === null || o.action !== 'complete') return null;
      const data = opData(o.data);
      const id = validOrNull(() => readTaskId(String(data.id ?? '')));
      if (id === null) return null;
      items.push({ id, token: typeof data.lease === 'string' ? data.lease : null, result: data.result ?? null });
    }
    const input = validOrNull(() => readClaimInput(claimData));
    if (input === null) return null;
    const { completed, claimed } = engine.tasks.completeAndClaim(ws, items, input, abort.signal);
    const answer = <T>(p: Promise<T>, render: (v: T) => unknown): Promise<BatchResult> =>
      p.then(
        (v) => ({ status: 200, errors: [], data: render(v) }),
        (err) => resultOf(errorResponse(null, err)),
      );
    return Promise.all([...completed.map((p) => answer(p, (t) => ({ task: renderTask(t) }))), answer(claimed, (tasks) => ({ tasks: tasks.map(renderClaimedTask) }))]);
  }

  async function run(action: string, requestId: RequestId, data: Record<string, unknown>): Promise<RpcResponse> {
    try {
      const ok = (d: unknown): RpcResponse => ({ request_id: requestId, errors: [], status: 200, data: d });
      if (action === 'claim') return claim(requestId, data, null);
      if (action === 'batch') {
        const ops = data.ops;
        if (!Array.isArray(ops) || ops.length > MAX_BATCH) throw TaskFieldInvalid(`ops must be an array of at most ${MAX_BATCH} operations`);
        const last = ops.at(-1) as { action?: unknown } | undefined;
        const claimOp = last !== null && typeof last === 'object' && last.action === 'claim' ? (ops.at(-1) as { data?: unknown }) : null;
        const acks = claimOp ? ops.slice(0, -1) : ops;
        const folded = claimOp ? completeAndClaim(acks, opData(claimOp.data)) : null;
        if (folded) return ok({ results: await folded });
        const finishing = acks.map((op) => {
          const o = op as { action?: unknown; data?: unknown };
          if (typeof o !== 'object' || o === null || typeof o.action !== 'string' || !['heartbeat', 'complete', 'fail', 'release'].includes(o.action)) {
            return Promise.resolve(badRequest(null, 'each op is {action: heartbeat|complete|fail|release, data}; a claim may only come last'));
          }
          return run(o.action, null, opData(o.data));
        });
        // PERF: issued after the acknowledgements without waiting for their answers: on SQLite they share one commit.
        const claimed = claimOp ? claim(null, opData(claimOp.data), finishing) : null;
        const results = await Promise.all(finishing);
        if (claimed) results.push(await claimed);
        return ok({ results: results.map(resultOf) });
      }
      const id = readTaskId(String(data.id ?? ''));
      const lease = typeof data.lease === 'string' ? data.lease : null;
      switch (action) {
        case 'heartbeat':
          return ok({ task: renderTask(await engine.tasks.heartbeat(ws, id, lease)) });
        case 'complete':
          return ok({ task: renderTask(await engine.tasks.complete(ws, id, lease, data.result ?? null)) });
        case 'fail':
          return ok({ task: renderTask(await engine.tasks.fail(ws, id, lease, data.error ?? null, data.retryable !== false)) });
        default:
          return ok({ task: renderTask(await engine.tasks.release(ws, id, lease)) });
      }
    } catch (err) {
      return errorResponse(requestId, err);
    }
  }

  serveRpc(socket, ACTIONS, engine.settings.bodyLimitBytes, run);
}
