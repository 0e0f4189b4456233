import { openSocket, type Api, type LiveSocket } from './api.js';

// /ws/events: what changes in the workspace, pushed by the server after each commit. One socket per
// workspace is shared by every view that listens; it opens with the first listener and closes a
// moment after the last one leaves.

export type WeftEvent =
  | { event: 'process.changed'; data: { wfid: string; status: string } }
  | { event: 'callback.failed'; data: { wfid: string; workitem_id: string; error: string } }
  | { event: 'callback.retrying'; data: { wfid: string; workitem_id: string; participant: string; attempts: number; next_attempt_at: string; error: string } }
  | { event: 'endpoint.changed'; data: { id: string } }
  | { event: 'endpoint.served'; data: { id: string; status: number } }
  | { event: 'flow.transition'; data: { instance_id: string; count: number } }
  | { event: 'flow.defined'; data: { identifier: string; version: number } }
  | { event: 'task.changed'; data: Record<string, never> };

export type WeftEventName = WeftEvent['event'];

export interface EventListener {
  onEvent(e: WeftEvent): void;
  /**
   * The socket opened (again), at `openedAt` (performance.now()): events may have been missed
   * before, by loads that began earlier.
   */
  onOpen?(openedAt: number): void;
  onStatus?(connected: boolean): void;
}

// Default 2 s: a view replacing another re-subscribes within it, so navigating keeps the socket.
const LINGER_MS = 2000;
// Default 1 s: the longest a view's first load waits for a socket being opened (eventsReady).
const READY_WAIT_MS = 1000;

interface Hub {
  listeners: Set<EventListener>;
  socket: LiveSocket | null;
  connected: boolean;
  /** The socket has opened, or failed to, since it was made: nobody waits for it any more. */
  settled: boolean;
  waiters: Set<() => void>;
  closeTimer: ReturnType<typeof setTimeout> | null;
}

const hubs = new WeakMap<Api, Hub>();

function hubFor(api: Api): Hub {
  let hub = hubs.get(api);
  if (!hub) {
    hub = { listeners: new Set(), socket: null, connected: false, settled: false, waiters: new Set(), closeTimer: null };
    hubs.set(api, hub);
  }
  return hub;
}

function settle(hub: Hub) {
  hub.settled = true;
  for (const w of [...hub.waiters]) w();
  hub.waiters.clear();
}

/**
 * Resolves once the workspace's /ws/events socket, if one is being opened, has opened (or failed
 * to, or READY_WAIT_MS passed). A view's first load waits for it, so that it reads after the
 * subscription and needs no second load when the socket opens. Checked after the current
 * effects have run: the view's own listener may be the one that opens the socket.
 */
export async function eventsReady(api: Api): Promise<void> {
  await Promise.resolve();
  const hub = hubs.get(api);
  if (!hub || !hub.socket || hub.settled) return;
  await new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      hub.waiters.delete(done);
      resolve();
    };
    const timer = setTimeout(done, READY_WAIT_MS);
    hub.waiters.add(done);
  });
}

const KNOWN = new Set<string>(['process.changed', 'callback.failed', 'callback.retrying', 'endpoint.changed', 'endpoint.served', 'flow.transition', 'flow.defined', 'task.changed']);

/** Listens to the workspace's /ws/events; returns the function that stops listening. */
export function listenToEvents(api: Api, listener: EventListener): () => void {
  const hub = hubFor(api);
  if (hub.closeTimer) {
    clearTimeout(hub.closeTimer);
    hub.closeTimer = null;
  }
  hub.listeners.add(listener);
  if (!hub.socket) {
    hub.socket = openSocket(api, '/ws/events', {
      onMessage: (m) => {
        if (!m || typeof m !== 'object' || !KNOWN.has(m.event)) return;
        for (const l of [...hub.listeners]) l.onEvent(m as WeftEvent);
      },
      onOpen: () => {
        const openedAt = performance.now();
        settle(hub);
        for (const l of [...hub.listeners]) l.onOpen?.(openedAt);
      },
      onStatus: (connected) => {
        hub.connected = connected;
        if (!connected) settle(hub);
        for (const l of [...hub.listeners]) l.onStatus?.(connected);
      },
    });
  } else if (hub.connected) {
    // Joining an open socket: this listener's view is as fresh as its own first load.
    listener.onStatus?.(true);
  }
  return () => {
    hub.listeners.delete(listener);
    if (hub.listeners.size > 0 || hub.closeTimer) return;
    hub.closeTimer = setTimeout(() => {
      hub.closeTimer = null;
      if (hub.listeners.size > 0) return;
      hub.socket?.close();
      hub.socket = null;
      hub.connected = false;
      hub.settled = false;
    }, LINGER_MS);
  };
}
