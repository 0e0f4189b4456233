import { WeftError } from './errors.js';
import { createRpcConnection, type RpcConnection } from './rpc-connection.js';
import { socketUrl } from './socket.js';
import { refusalProbe } from './socket-refusal.js';
import type { WeftClient } from './client.js';
import type { ClaimedTask, Task } from './api-types.js';

// How a worker talks to weft: /ws/workers (claims and `batch` acknowledgements over one socket) or,
// when the socket cannot be had, the REST worker routes (long-poll POST /v1/tasks/claim).

export type AckAction = 'heartbeat' | 'complete' | 'fail' | 'release';
export interface AckOp {
  action: AckAction;
  data: { id: number; lease?: string; result?: unknown; error?: unknown; retryable?: boolean };
}
export interface AckResult {
  status: number;
  errors: { code: string; message: string }[];
  data: { task?: Task } | null;
}

export type WorkerClaim = {
  types: string[];
  max: number;
  wait_ms: number;
  worker_id: string;
};

export interface WorkerTransport {
  readonly kind: 'ws' | 'http';
  /**
   * `stop` aborting while no claim has left yet (the socket is down) ends the wait with no tasks;
   * a claim on its way is answered as usual (its tasks are released, not left leased).
   */
  claim(input: WorkerClaim, stop?: AbortSignal): Promise<ClaimedTask[]>;
  /**
   * Sends acknowledgements; `resent` says whether they may have reached the server before (after a
   * reconnect). Over the socket a `trailing` claim may ride in the same frame, after them: `tasks` is
   * its answer (null when it was refused; never sent again after a drop, like a claim of its own).
   */
  acknowledge(ops: AckOp[], trailing?: WorkerClaim): Promise<{ results: AckResult[]; resent: boolean; tasks?: ClaimedTask[] | null }>;
  /** Rejects what is on its way (WEFT_CLIENT_CLOSED, not retryable) and opens nothing more. */
  close(): Promise<void>;
}

const closedError = () => new WeftError({ status: 0, code: 'WEFT_CLIENT_CLOSED', message: 'the connection was closed', retryable: false });

export function createSocketTransport(
  client: WeftClient,
  hooks: { onError(err: WeftError): void; onOpen?(): void; onConnectFailed?(failure: { attempt: number; seq: number }): void },
): WorkerTransport & { rpc: RpcConnection } {
  const o = client.options;
  const rpc = createRpcConnection({
    url: socketUrl(o.url, 'ws/workers', o.apiKey, o.workspace),
    WebSocket: o.WebSocket,
    onError: hooks.onError,
    onOpen: hooks.onOpen,
    onConnectFailed: hooks.onConnectFailed,
    probeRefusal: refusalProbe(() => client.ping({ retry: false })),
  });
  const check = (res: { status: number; errors: { code: string; message: string }[] }) => {
    if (res.status !== 200) throw new WeftError({ status: res.status, code: res.errors[0]?.code ?? `HTTP_${res.status}`, message: res.errors[0]?.message ?? `status ${res.status}` });
  };
  return {
    kind: 'ws',
    rpc,
    async claim(input, stop) {
      if (!rpc.connected && (await stoppedFirst(rpc.ready(), stop))) return [];
      // A claim is not sent again after a drop: its tasks, if any, come back when their lease expires.
      const res = await rpc.request('claim', input, { resend: false });
      check(res);
      return (res.data as { tasks: ClaimedTask[] }).tasks;
    },
    async acknowledge(ops, trailing) {
      if (!trailing) {
        const res = await rpc.request('batch', { ops });
        check(res);
        return { results: (res.data as { results: AckResult[] }).results, resent: res.resent === true };
      }
      const res = await rpc.request('batch', { ops: [...ops, { action: 'claim', data: trailing }] }, { resend: false });
      check(res);
      const results = (res.data as { results: AckResult[] }).results;
      const claimed = results[ops.length] as unknown as { status: number; data: { tasks?: ClaimedTask[] } | null } | undefined;
      return { results: results.slice(0, ops.length), resent: false, tasks: claimed?.status === 200 ? (claimed.data?.tasks ?? []) : null };
    },
    close: () => rpc.close(),
  };
}

/** Whether `stop` aborted before `p` settled. */
function stoppedFirst(p: Promise<unknown>, stop: AbortSignal | undefined): Promise<boolean> {
  if (stop?.aborted) return Promise.resolve(true);
  return new Promise<boolean>((resolve, reject) => {
    const onStop = () => resolve(true);
    stop?.addEventListener('abort', onStop, { once: true });
    p.then(
      () => {
        stop?.removeEventListener('abort', onStop);
        resolve(false);
      },
      (err) => {
        stop?.removeEventListener('abort', onStop);
        reject(err);
      },
    );
  });
}

export function createHttpTransport(client: WeftClient): WorkerTransport {
  const t = client.tasks;
  // close() abandons the requests on their way and their retries (the server may be unreachable).
  const closing = new AbortController();
  const signal = closing.signal;
  async function one(op: AckOp): Promise<AckResult> {
    const { id, lease } = op.data;
    try {
      const task =
        op.action === 'heartbeat'
          ? await t.heartbeat(id, lease, signal)
          : op.action === 'complete'
            ? await t.complete(id, { lease, result: op.data.result }, signal)
            : op.action === 'fail'
              ? await t.fail(id, { lease, error: op.data.error, retryable: op.data.retryable }, signal)
              : await t.release(id, lease, signal);
      return { status: 200, errors: [], data: { task } };
    } catch (err) {
      if (err instanceof WeftError && err.status > 0) return { status: err.status, errors: [{ code: err.code, message: err.message }], data: null };
      throw err;
    }
  }
  return {
    kind: 'http',
    claim: (input) => t.claim(input, signal),
    acknowledge: async (ops) => ({ results: await Promise.all(ops.map(one)), resent: false }),
    close: async () => closing.abort(closedError()),
  };
}
