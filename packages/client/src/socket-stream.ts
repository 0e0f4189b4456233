import { WeftError } from './errors.js';
import { backoffDelay, type BackoffOptions } from './backoff.js';
import { STABLE_MS } from './rpc-connection.js';
import { loadWebSocket, messageText, socketUrl, type SocketLike } from './socket.js';
import { keyRefusal, refusalProbe, watchUpgrade } from './socket-refusal.js';
import type { Transport } from './rest-client.js';
import type { Task } from './api-types.js';

// Read-only pushed streams, reconnecting with backoff until closed: /ws/tasks (the workspace's full task
// array on connect, after every change and at least once a second) and /ws/events ({event, data} after
// each commit: processes, deliveries, endpoints, flow transitions, tasks). A key the server refuses
// (401/403) ends the stream with an error: reconnecting would be refused again.

export interface TaskWatchOptions {
  backoff?: BackoffOptions;
  /** Errors along the way, and the one a refused key ends the stream with (status 401/403). */
  onError?(err: WeftError): void;
}

export interface TaskWatch {
  close(): void;
}

export type WeftEvent =
  | { event: 'process.changed'; data: { wfid: string; status: string } }
  | { event: 'callback.failed'; data: { wfid: string; workitem_id: string; error: string } }
  | { event: 'callback.retrying'; data: { wfid: string; workitem_id: string; participant: string; attempts: number; next_attempt_at: string; error: string } }
  | { event: 'endpoint.changed'; data: { id: string } }
  | { event: 'endpoint.served'; data: { id: string; status: number } }
  | { event: 'flow.transition'; data: { instance_id: string; count: number } }
  | { event: 'flow.defined'; data: { identifier: string; version: number } }
  | { event: 'task.changed'; data: Record<string, never> };

export function watchTasks(t: Transport, onTasks: (tasks: Task[]) => void, opts: TaskWatchOptions = {}): TaskWatch {
  return watchStream(t, 'ws/tasks', (frame) => {
    if (Array.isArray(frame)) onTasks(frame as Task[]);
  }, opts);
}

export function watchEvents(t: Transport, onEvent: (e: WeftEvent) => void, opts: TaskWatchOptions = {}): TaskWatch {
  return watchStream(t, 'ws/events', (frame) => {
    if (frame && typeof frame === 'object' && typeof (frame as { event?: unknown }).event === 'string') onEvent(frame as WeftEvent);
  }, opts);
}

function watchStream(t: Transport, path: string, onFrame: (frame: unknown) => void, opts: TaskWatchOptions): TaskWatch {
  const o = t.options;
  const probeRefusal = refusalProbe(() => t.ping(false));
  let closed = false;
  let socket: SocketLike | null = null;
  let attempts = 0;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let stable: ReturnType<typeof setTimeout> | null = null;
  let opened = false;
  const url = socketUrl(o.url, path, o.apiKey, o.workspace);

  async function connect() {
    const Ctor = await loadWebSocket(o.WebSocket);
    if (closed) return;
    const s = new Ctor(url);
    const answer = watchUpgrade(s);
    socket = s;
    opened = false;
    s.onopen = () => {
      opened = true;
      // Only a connection that stays resets the backoff (STABLE_MS, as the request connections).
      stable = setTimeout(() => (attempts = 0), STABLE_MS);
    };
    s.onmessage = (ev) => {
      let frame: unknown;
      try {
        frame = JSON.parse(messageText(ev.data));
      } catch {
        opts.onError?.(new WeftError({ status: 0, code: 'WEFT_CLIENT_BAD_FRAME', message: 'the server sent a frame that is not JSON' }));
        return;
      }
      onFrame(frame);
    };
    s.onerror = () => {};
    s.onclose = (ev) => {
      socket = null;
      if (stable) clearTimeout(stable);
      if (closed) return;
      if (!opened) {
        const refusal = answer.refusal && keyRefusal(answer.refusal.status, answer.refusal.code);
        if (refusal) return refuse(refusal);
        const why = answer.refusal ? `the upgrade was answered ${answer.refusal.status}` : `the connection closed before it opened (${ev?.code ?? 1006})`;
        opts.onError?.(new WeftError({ status: 0, code: 'WEFT_CLIENT_CONNECT', message: `could not connect to ${o.url.replace(/\/+$/, '')}/${path} (attempt ${attempts + 1}): ${why}`, retryable: true }));
        // The platform's WebSocket hides the status: ask over HTTP whether the key is refused.
        if (!answer.visible) void probeRefusal().then((err) => err && refuse(err));
      }
      timer = setTimeout(() => void connect().catch(fail), backoffDelay(attempts++, opts.backoff));
    };
  }
  function refuse(err: WeftError) {
    if (closed) return;
    close();
    opts.onError?.(err);
  }
  function fail(err: unknown) {
    opts.onError?.(new WeftError({ status: 0, code: 'WEFT_CLIENT_CONNECT', message: String((err as Error)?.message ?? err), cause: err }));
    if (!closed) timer = setTimeout(() => void connect().catch(fail), backoffDelay(attempts++, opts.backoff));
  }
  function close() {
    closed = true;
    if (timer) clearTimeout(timer);
    if (stable) clearTimeout(stable);
    socket?.close(1000, 'client closed');
  }
  void connect().catch(fail);
  return { close };
}
