import { WeftError } from './errors.js';
import { backoffDelay, type BackoffOptions } from './backoff.js';
import { loadWebSocket, messageText, socketUrl, type SocketLike } from './socket.js';
import type { ResolvedOptions } from './rest-client.js';
import type { Task } from './api-types.js';

// /ws/tasks: the workspace's full task array on connect, after every change and at least once a second.
// The watcher reconnects with backoff until closed.

export interface TaskWatchOptions {
  backoff?: BackoffOptions;
  onError?(err: WeftError): void;
}

export interface TaskWatch {
  close(): void;
}

export function watchTasks(o: ResolvedOptions, onTasks: (tasks: Task[]) => void, opts: TaskWatchOptions = {}): TaskWatch {
  let closed = false;
  let socket: SocketLike | null = null;
  let attempts = 0;
  let timer: ReturnType<typeof setTimeout> | null = null;
  const url = socketUrl(o.url, 'ws/tasks', o.apiKey, o.workspace);

  async function connect() {
    const Ctor = await loadWebSocket(o.WebSocket);
    if (closed) return;
    const s = new Ctor(url);
    socket = s;
    s.onopen = () => {
      attempts = 0;
    };
    s.onmessage = (ev) => {
      try {
        const tasks = JSON.parse(messageText(ev.data));
        if (Array.isArray(tasks)) onTasks(tasks as Task[]);
      } catch {
        opts.onError?.(new WeftError({ status: 0, code: 'WEFT_CLIENT_BAD_FRAME', message: 'the server sent a frame that is not JSON' }));
      }
    };
    s.onerror = () => {};
    s.onclose = () => {
      socket = null;
      if (!closed) timer = setTimeout(() => void connect().catch(fail), backoffDelay(attempts++, opts.backoff));
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
      socket?.close(1000, 'client closed');
    },
  };
}
