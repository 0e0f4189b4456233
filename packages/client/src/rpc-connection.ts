import { WeftError } from './errors.js';
import { backoffDelay, type BackoffOptions } from './backoff.js';
import { loadWebSocket, messageText, OPEN, type SocketLike } from './socket.js';

// A reconnecting request/response connection in weft's WebSocket envelope (/ws/flows, /ws/workers):
// request {action, request_id, data} → exactly one response {request_id, status, errors, data}; other
// frames ({event, data}) are pushed events. Requests in flight when the connection drops are sent again,
// with the same request_id, once it is back (the server answers a repeated transition's request_id with
// its first result); requests marked `resend: false` are rejected instead.

export interface Envelope {
  request_id: string | number | null;
  status: number;
  errors: { code: string; message: string }[];
  data: unknown;
  /** Set by the client: the request was sent more than once (a reconnect happened while it was in flight). */
  resent?: boolean;
}

export interface RpcConnectionOptions {
  url: string;
  WebSocket?: unknown;
  backoff?: BackoffOptions;
  /** Pushed frames (anything without a request_id). */
  onEvent?(frame: Record<string, unknown>): void;
  /**
   * Runs on every (re)connection before in-flight requests are sent again: re-subscribe here.
   * `current()` stays true while this connection is the live one (a resume that outlived it stops).
   */
  onOpen?(reconnected: boolean, current: () => boolean): void | Promise<void>;
  onClose?(info: { code: number; reason: string }): void;
  /** A connection attempt ended before it opened (refused, or the upgrade was answered with an error); onError hears it too. */
  onConnectFailed?(attempt: number): void;
  onError?(err: WeftError): void;
}

export interface RpcRequestOptions {
  /** Default true: send again after a reconnect (same request_id). */
  resend?: boolean;
  /** Rejects the request (it may still be applied) when this aborts. */
  signal?: AbortSignal;
  /** Rejects with WEFT_CLIENT_TIMEOUT after this long without an answer (the request may still be applied). */
  timeoutMs?: number;
}

interface Pending {
  frame: string;
  sends: number;
  resend: boolean;
  generation: number;
  resolve(e: Envelope): void;
  reject(err: unknown): void;
}

export interface RpcConnection {
  request(action: string, data: Record<string, unknown>, opts?: RpcRequestOptions): Promise<Envelope>;
  /** Resolves once connected (the first time, or again after a drop). */
  ready(): Promise<void>;
  readonly connected: boolean;
  /** Closes for good; pending requests are rejected. */
  close(): Promise<void>;
  /** Drops the current socket as a network failure would (tests, or a caller that saw it go stale). */
  drop(): void;
}

// Default 5 s: a connection that stayed open this long resets the reconnect backoff; one that drops
// sooner (a proxy accepting and cutting) keeps backing off.
export const STABLE_MS = 5000;

const closedError = () => new WeftError({ status: 0, code: 'WEFT_CLIENT_CLOSED', message: 'the connection was closed', retryable: false });
const droppedError = () => new WeftError({ status: 0, code: 'WEFT_CLIENT_DISCONNECTED', message: 'the connection dropped before the answer came', retryable: true });

export function createRpcConnection(opts: RpcConnectionOptions): RpcConnection {
  const pending = new Map<string, Pending>();
  // Request ids are unique across clients: the server keys transition idempotency by them.
  const prefix = Math.random().toString(36).slice(2, 10);
  let counter = 0;
  let socket: SocketLike | null = null;
  let generation = 0;
  let open = false;
  let closed = false;
  let attempts = 0;
  let everOpened = false;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let stable: ReturnType<typeof setTimeout> | null = null;
  let waiters: (() => void)[] = [];
  let closeResolve: (() => void) | null = null;

  function flushWaiters() {
    const w = waiters;
    waiters = [];
    for (const f of w) f();
  }

  function sendFrame(p: Pending) {
    p.generation = generation;
    p.sends++;
    socket!.send(p.frame);
  }

  async function connect() {
    if (closed) return;
    const Ctor = await loadWebSocket(opts.WebSocket);
    if (closed) return;
    const s = new Ctor(opts.url);
    socket = s;
    const myGeneration = ++generation;
    s.onopen = async () => {
      if (closed || socket !== s) return;
      const reconnected = everOpened;
      everOpened = true;
      stable = setTimeout(() => (attempts = 0), STABLE_MS);
      open = true;
      try {
        await opts.onOpen?.(reconnected, () => socket === s && s.readyState === OPEN);
      } catch (err) {
        opts.onError?.(err instanceof WeftError ? err : new WeftError({ status: 0, code: 'WEFT_CLIENT_RESUME', message: String((err as Error)?.message ?? err), cause: err }));
      }
      if (socket !== s || s.readyState !== OPEN) return;
      for (const p of pending.values()) if (p.generation !== myGeneration) sendFrame(p);
      flushWaiters();
    };
    s.onmessage = (ev) => {
      let msg: unknown;
      try {
        msg = JSON.parse(messageText(ev.data));
      } catch {
        return opts.onError?.(new WeftError({ status: 0, code: 'WEFT_CLIENT_BAD_FRAME', message: 'the server sent a frame that is not JSON' }));
      }
      if (typeof msg !== 'object' || msg === null) return;
      const m = msg as Record<string, unknown>;
      if ('request_id' in m && 'status' in m) {
        const id = m.request_id === null ? null : String(m.request_id);
        const p = id === null ? undefined : pending.get(id);
        if (!p) {
          const e = m as unknown as Envelope;
          if (e.status >= 400) opts.onError?.(new WeftError({ status: e.status, code: e.errors?.[0]?.code ?? 'WEFT_WS_BAD_REQUEST', message: e.errors?.[0]?.message ?? 'uncorrelated error' }));
          return;
        }
        pending.delete(id!);
        p.resolve({ ...(m as unknown as Envelope), resent: p.sends > 1 });
        return;
      }
      opts.onEvent?.(m);
    };
    s.onerror = () => {
      // onclose follows and decides.
    };
    s.onclose = (ev) => {
      if (socket !== s) return;
      socket = null;
      if (stable) clearTimeout(stable);
      const wasOpen = open;
      open = false;
      for (const [id, p] of pending) {
        if (!p.resend) {
          pending.delete(id);
          p.reject(droppedError());
        }
      }
      if (wasOpen) opts.onClose?.({ code: ev?.code ?? 1006, reason: ev?.reason ?? '' });
      else if (!closed) {
        opts.onConnectFailed?.(attempts + 1);
        opts.onError?.(connectError(attempts + 1, `the connection closed before it opened (${ev?.code ?? 1006})`));
      }
      if (closed) {
        closeResolve?.();
        return;
      }
      timer = setTimeout(() => void connect().catch(fail), backoffDelay(attempts++, opts.backoff));
    };
  }

  function fail(err: unknown) {
    if (!closed) opts.onConnectFailed?.(attempts + 1);
    opts.onError?.(connectError(attempts + 1, String((err as Error)?.message ?? err), err));
    if (!closed) timer = setTimeout(() => void connect().catch(fail), backoffDelay(attempts++, opts.backoff));
  }

  // The URL carries the API key: messages name only the address.
  const where = opts.url.split('?')[0];
  function connectError(attempt: number, why: string, cause?: unknown) {
    return new WeftError({ status: 0, code: 'WEFT_CLIENT_CONNECT', message: `could not connect to ${where} (attempt ${attempt}): ${why}`, retryable: true, cause });
  }

  void connect().catch(fail);

  return {
    get connected() {
      return open;
    },
    request(action, data, ro = {}) {
      if (closed) return Promise.reject(closedError());
      const requestId = `${prefix}-${++counter}`;
      return new Promise<Envelope>((resolve, reject) => {
        const p: Pending = { frame: JSON.stringify({ action, request_id: requestId, data }), resend: ro.resend ?? true, generation: -1, sends: 0, resolve, reject };
        if (ro.signal) {
          if (ro.signal.aborted) return reject(ro.signal.reason);
          ro.signal.addEventListener('abort', () => {
            if (pending.delete(requestId)) reject(ro.signal!.reason);
          }, { once: true });
        }
        if (ro.timeoutMs !== undefined && ro.timeoutMs > 0) {
          const t = setTimeout(() => {
            if (pending.delete(requestId)) reject(new WeftError({ status: 0, code: 'WEFT_CLIENT_TIMEOUT', message: `no answer to ${action} within ${ro.timeoutMs} ms (it may still be applied)`, retryable: true }));
          }, ro.timeoutMs);
          const settle = { resolve: p.resolve, reject: p.reject };
          p.resolve = (e) => {
            clearTimeout(t);
            settle.resolve(e);
          };
          p.reject = (err) => {
            clearTimeout(t);
            settle.reject(err);
          };
        }
        pending.set(requestId, p);
        if (open && socket && socket.readyState === OPEN) sendFrame(p);
      });
    },
    ready() {
      if (open) return Promise.resolve();
      if (closed) return Promise.reject(closedError());
      return new Promise((resolve) => waiters.push(resolve));
    },
    drop() {
      const s = socket as (SocketLike & { terminate?: () => void }) | null;
      if (!s) return;
      if (typeof s.terminate === 'function') s.terminate();
      else s.close(4000, 'dropped by the client');
    },
    async close() {
      if (closed) return;
      closed = true;
      if (timer) clearTimeout(timer);
      if (stable) clearTimeout(stable);
      for (const p of pending.values()) p.reject(closedError());
      pending.clear();
      const s = socket;
      if (s && s.readyState <= OPEN) {
        await new Promise<void>((resolve) => {
          // A socket that never finishes its closing handshake must not hold close() up: 2 s at most.
          const t = setTimeout(resolve, 2000);
          closeResolve = () => {
            clearTimeout(t);
            resolve();
          };
          s.close(1000, 'client closed');
        });
      }
      socket = null;
      open = false;
      flushWaiters();
    },
  };
}
