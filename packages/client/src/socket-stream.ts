import { WeftError } from './errors.js';
import { backoffDelay, type BackoffOptions } from './backoff.js';
import { STABLE_MS } from './rpc-connection.js';
import { loadWebSocket, messageText, socketUrl, type SocketLike } from './socket.js';
import type { ResolvedOptions } from './rest-client.js';
import type { Task } from './api-types.js';

// Read-only pushed streams, reconnecting with backoff until closed: /ws/tasks (the workspace's full task
// array on connect, after every change and at least once a second) and /ws/events ({event, data} after
// each commit: processes, deliveries, endpoints, flow transitions, tasks).

export interface TaskWatchOptions {
  backoff?: BackoffOptions;
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

export function watchTasks(o: ResolvedOptions, onTasks: (tasks: Task[]) => void, opts: TaskWatchOptions = {}): TaskWatch {
  return watchStream(o, 'ws/tasks', (frame) => {
    if (Array.isArray(frame)) onTasks(frame as Task[]);
  }, opts);
}

export function watchEvents(o: ResolvedOptions, onEvent: (e: WeftEvent) => void, opts: TaskWatchOptions = {}): TaskWatch {
  return watchStream(o, 'ws/events', (frame) => {
    if (frame && typeof frame === 'object' && typeof (frame as { event?: unknown }).event === 'string') onEvent(frame as WeftEvent);
  }, opts);
}

function watchStream(o: ResolvedOptions, path: string, onFrame: (frame: unknown) => void, opts: TaskWatchOptions): TaskWatch {
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
      if (!opened) opts.onError?.(new WeftError({ status: 0, code: 'WEFT_CLIENT_CONNECT', message: `could not connect to ${o.url.replace(/\/+$/, '')}/${path} (attempt ${attempts + 1}): the connection closed before it opened (${ev?.code ?? 1006})`, retryable: true }));
      timer = setTimeout(() => void connect().catch(fail), backoffDelay(attempts++, opts.backoff));
    };
  }
  function fail(err: unknown) {
    opts.onError?.(new WeftError({ status: 0, code: 'WEFT_CLIENT_CONNECT', message: String((err as Error)?.message ?? err), cause: err }));
    if (!closed) timer = setTimeout(() => void connect().catch(fail), backoffDelay(attempts++, opts.backoff));
  }
  void connect().catch(fail);
  return {
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      if (stable) clearTimeout(stable);
      socket?.close(1000, 'client closed');
    },
  };
}
