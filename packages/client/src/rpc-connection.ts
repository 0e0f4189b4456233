import { WeftError } from './errors.js';
import { backoffDelay, type BackoffOptions } from './backoff.js';
import { loadWebSocket, messageText, OPEN, type SocketLike } from './socket.js';
import { keyRefusal, watchUpgrade } from './socket-refusal.js';

// A reconnecting request/response connection in weft's WebSocket envelope (/ws/flows, /ws/workers):
// request {action, request_id, data} → exactly one response {request_id, status, errors, data}; other
// frames ({event, data}) are pushed events. Requests in flight when the connection drops are sent again,
// with the same request_id, once it is back (the server answers a repeated transition's request_id with
// its first result); requests marked `resend: false` are rejected instead. An upgrade refused for the
// key (401/403) ends the connection: trying again would be refused again.

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
  /**
   * A connection attempt ended before it opened (refused, or the upgrade was answered with an error);
   * onError hears it too. `attempt` counts the failures in a row; `seq` numbers the attempt among all
   * (see RpcConnection.attemptsStarted). Not called for a refused key: that ends the connection.
   */
  onConnectFailed?(failure: { attempt: number; seq: number }): void;
  /**
   * For sockets that hide a refused upgrade's status (browsers, Node ≥ 22): asked after an attempt
   * failed whether the server refuses the key over HTTP (refusalProbe). With an error, the connection
   * ends with it.
   */
  probeRefusal?(): Promise<WeftError | null>;
  /** Errors along the way, and the one a refused key ends the connection with (status 401/403). */
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
  /** Resolves once connected (the first time, or again after a drop); rejects once closed or refused. */
  ready(): Promise<void>;
  readonly connected: boolean;
  /** Connection attempts started so far: onConnectFailed's `seq` of an attempt started after now is greater. */
  readonly attemptsStarted: number;
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
  let waiters: { resolve(): void; reject(err: unknown): void }[] = [];
  let closeResolve: (() => void) | null = null;
  /** Why the connection ended, when the server refused its key. */
  let refused: WeftError | null = null;

  function flushWaiters(err?: unknown) {
    const w = waiters;
    waiters = [];
    for (const f of w) {
      if (err === undefined) f.resolve();
      else f.reject(err);
    }
  }

  /** The key was refused: ends the connection as close() would, with that error for everyone waiting. */
  function refuse(err: WeftError) {
    if (closed) return;
    closed = true;
    refused = err;
    if (timer) clearTimeout(timer);
    if (stable) clearTimeout(stable);
    for (const p of pending.values()) p.reject(err);
    pending.clear();
    const s = socket;
    socket = null;
    open = false;
    s?.close(1000, 'the key was refused');
    flushWaiters(err);
    opts.onError?.(err);
  }

  function sendFrame(p: Pending) {
    p.generation = generation;
    p.sends++;
    socket!.send(p.frame);
  }

  async function connect() {
    if (closed) return;
    const myGeneration = ++generation;
    const Ctor = await loadWebSocket(opts.WebSocket);
    if (closed) return;
    const s = new Ctor(opts.url);
    const answer = watchUpgrade(s);
    socket = s;
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
        const refusal = answer.refusal && keyRefusal(answer.refusal.status, answer.refusal.code);
        if (refusal) return refuse(refusal);
        opts.onConnectFailed?.({ attempt: attempts + 1, seq: myGeneration });
        const why = answer.refusal ? `the upgrade was answered ${answer.refusal.status}` : `the connection closed before it opened (${ev?.code ?? 1006})`;
        opts.onError?.(connectError(attempts + 1, why));
        // The reconnects go on while the check is out.
        if (!answer.visible) void opts.probeRefusal?.().then((err) => err && refuse(err));
      }
      if (closed) {
        closeResolve?.();
        return;
      }
      timer = setTimeout(() => void connect().catch(fail), backoffDelay(attempts++, opts.backoff));
    };
  }

  function fail(err: unknown) {
    if (!closed) opts.onConnectFailed?.({ attempt: attempts + 1, seq: generation });
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
    get attemptsStarted() {
      return generation;
    },
    request(action, data, ro = {}) {
      if (closed) return Promise.reject(refused ?? closedError());
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
      if (closed) return Promise.reject(refused ?? closedError());
      return new Promise((resolve, reject) => waiters.push({ resolve, reject }));
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
      flushWaiters(closedError());
    },
  };
}
