import type { WebSocket } from 'ws';
import type { Engine } from '../../engine/engine.js';
import { readClaimInput, readTaskId, TaskFieldInvalid } from '../../core/queue/task-request.js';
import { renderClaimedTask, renderTask } from '../http/task-render.js';
import { errorResponse, badRequest, serveRpc, type RpcResponse, type RequestId } from './rpc-envelope.js';

// /ws/workers: the worker protocol over one socket, in the shared envelope.
// Actions: claim {types, max, wait_ms, worker_id} → {tasks}; heartbeat|complete|fail|release {id, lease, …} → {task};
// batch {ops: [{action, data}, …]} → {results: [{status, errors, data}, …]}.
// PERF: `batch` carries many acknowledgements in one frame (see DESIGN "Where the time goes").

const ACTIONS = ['claim', 'heartbeat', 'complete', 'fail', 'release', 'batch'] as const;
// Default 1000 operations per batch frame.
const MAX_BATCH = 1000;

export function handleWorkerSocket(engine: Engine, ws: number, socket: WebSocket) {
  const abort = new AbortController();
  socket.on('close', () => abort.abort());

  async function run(action: string, requestId: RequestId, data: Record<string, unknown>): Promise<RpcResponse> {
    try {
      const ok = (d: unknown): RpcResponse => ({ request_id: requestId, errors: [], status: 200, data: d });
      if (action === 'claim') {
        const tasks = await engine.tasks.claim(ws, readClaimInput(data), abort.signal);
        return ok({ tasks: tasks.map(renderClaimedTask) });
      }
      if (action === 'batch') {
        const ops = data.ops;
        if (!Array.isArray(ops) || ops.length > MAX_BATCH) throw TaskFieldInvalid(`ops must be an array of at most ${MAX_BATCH} operations`);
        const results = await Promise.all(
          ops.map((op) => {
            const o = op as { action?: unknown; data?: unknown };
            if (typeof o !== 'object' || o === null || typeof o.action !== 'string' || !['heartbeat', 'complete', 'fail', 'release'].includes(o.action)) {
              return Promise.resolve(badRequest(null, 'each op is {action: heartbeat|complete|fail|release, data}'));
            }
            return run(o.action, null, (o.data ?? {}) as Record<string, unknown>);
          }),
        );
        return ok({ results: results.map(({ status, errors, data: d }) => ({ status, errors, data: d })) });
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

  serveRpc(socket, ACTIONS, run);
}
