import { createContext, useCallback, useContext, useEffect, useRef, useState } from 'react';
import { openSocket, type Api } from './api.js';
import { eventsReady, listenToEvents, type WeftEvent } from './events.js';

export const ApiContext = createContext<Api | null>(null);

export function useApi(): Api {
  const api = useContext(ApiContext);
  if (!api) throw new Error('useApi outside a workspace');
  return api;
}

export interface Polled<T> {
  data: T | undefined;
  error: string | null;
  /**
   * Loads again at once, or `minGapMs` after the last load began; calls during a load make one
   * more after it. With `since` (a performance.now() time), only if no load began after it.
   */
  reload(since?: number): void;
}

export interface PollOptions {
  /**
   * Default 200 ms: the least time between the starts of two loads that `reload` asked for, so a
   * stream of pushed changes costs at most five loads a second, not one per change. Views whose
   * load is heavy (many requests, or a thousand rows) ask for 1000.
   */
  minGapMs?: number;
  /**
   * The workspace whose /ws/events the view listens to (useEvents): the first load waits for that
   * socket to open (eventsReady), so the reload its opening asks for is not needed.
   */
  events?: Api;
}

const MIN_RELOAD_GAP_MS = 200;

/**
 * Loads, then reloads every `everyMs` while the view is open (0: only when `reload` is called).
 * Views with a push stream call `reload` on its events and keep a slow poll for a dropped socket.
 */
export function usePoll<T>(load: () => Promise<T>, deps: unknown[], everyMs = 1000, options: PollOptions = {}): Polled<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const loadRef = useRef(load);
  loadRef.current = load;
  const gapRef = useRef(options.minGapMs ?? MIN_RELOAD_GAP_MS);
  gapRef.current = options.minGapMs ?? MIN_RELOAD_GAP_MS;
  const kick = useRef<(since?: number) => void>(() => {});
  const events = options.events;
  useEffect(() => {
    setData(undefined);
    setError(null);
  }, deps); // eslint-disable-line react-hooks/exhaustive-deps
  useEffect(() => {
    let live = true;
    let started = false; // the first load has begun: until then every reload asked for is that load
    let busy = false;
    let again = false;
    let soon = false; // the timer is a reload's, not the poll's
    let lastStart = 0;
    let timer: ReturnType<typeof setTimeout> | null = null;
    const schedule = (ms: number, forReload: boolean) => {
      if (timer) clearTimeout(timer);
      soon = forReload;
      timer = setTimeout(run, ms);
    };
    const run = async () => {
      if (!live) return;
      if (timer) clearTimeout(timer);
      timer = null;
      soon = false;
      busy = true;
      started = true;
      lastStart = performance.now();
      try {
        const v = await loadRef.current();
        if (live) {
          setData(v);
          setError(null);
        }
      } catch (err) {
        if (live) setError(err instanceof Error ? err.message : String(err));
      }
      busy = false;
      if (!live) return;
      if (again) {
        again = false;
        requestReload();
      } else if (everyMs > 0) schedule(everyMs, false);
    };
    const requestReload = (since?: number) => {
      if (!live || !started) return;
      if (since !== undefined && lastStart >= since) return;
      if (busy) {
        again = true;
        return;
      }
      if (soon) return;
      schedule(Math.max(0, lastStart + gapRef.current - performance.now()), true);
    };
    kick.current = requestReload;
    if (events) void eventsReady(events).then(run);
    else void run();
    return () => {
      live = false;
      kick.current = () => {};
      if (timer) clearTimeout(timer);
    };
  }, [...deps, everyMs]); // eslint-disable-line react-hooks/exhaustive-deps
  const reload = useCallback((since?: number) => kick.current(since), []);
  return { data, error, reload };
}

/**
 * Calls `onChange` for every /ws/events event that `wanted` picks, and when the socket (re)opens
 * (events may have been missed), then with the time it opened (performance.now()): a
 * `Polled.reload` given as `onChange` skips that reload when its view loaded after the opening.
 * Returns whether the socket is open.
 */
export function useEvents(api: Api, wanted: (e: WeftEvent) => boolean, onChange: (openedAt?: number) => void): boolean {
  const [connected, setConnected] = useState(false);
  const wantedRef = useRef(wanted);
  wantedRef.current = wanted;
  const changeRef = useRef(onChange);
  changeRef.current = onChange;
  useEffect(
    () =>
      listenToEvents(api, {
        onEvent: (e) => {
          if (wantedRef.current(e)) changeRef.current();
        },
        onOpen: (openedAt) => changeRef.current(openedAt),
        onStatus: setConnected,
      }),
    [api],
  );
  return connected;
}

/**
 * A message a view shows about what was done on its current address (an action's error, a
 * result): it is gone once the address changes, so an error does not stay on the next page.
 */
export function useAddressMessage<T>(address: string): [T | null, (value: T | null) => void] {
  const [state, setState] = useState<{ address: string; value: T | null }>({ address, value: null });
  const addressRef = useRef(address);
  addressRef.current = address;
  const set = useCallback((value: T | null) => setState({ address: addressRef.current, value }), []);
  return [state.address === address ? state.value : null, set];
}

export interface Task {
  id: number;
  name: string;
  type: string;
  status: 'queued' | 'running' | 'completed' | 'failed';
  attempts: number;
  max_attempts: number;
  payload: unknown;
  result: unknown;
  /** What the last failed attempt reported: any JSON a worker sent, or weft's {"message": …}. */
  error: unknown;
  worker: string | null;
  lease_expires_at: string | null;
  run_at: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

/** /ws/tasks: the workspace's task array, pushed on every change and at least once a second. */
export function useTaskStream(api: Api): { tasks: Task[] | null; connected: boolean } {
  const [tasks, setTasks] = useState<Task[] | null>(null);
  const [connected, setConnected] = useState(false);
  useEffect(() => {
    setTasks(null);
    const s = openSocket(api, '/ws/tasks', {
      onMessage: (d) => {
        if (Array.isArray(d)) setTasks(d as Task[]);
      },
      onStatus: setConnected,
    });
    return () => s.close();
  }, [api]);
  return { tasks, connected };
}

/**
 * /ws/flows subscriptions: calls onChange with every pushed instance of the topics. A topic is
 * {flow_instance_id}, {subject} or {flow}; one socket carries them all.
 */
export function useFlowEvents(api: Api, topics: Record<string, string> | Array<Record<string, string>> | null, onChange: (instance: any) => void) {
  const cb = useRef(onChange);
  cb.current = onChange;
  const list = topics === null ? [] : Array.isArray(topics) ? topics : [topics];
  const key = list.length > 0 ? JSON.stringify(list) : null;
  useEffect(() => {
    if (!key) return;
    let id = 0;
    const s = openSocket(api, '/ws/flows', {
      onOpen: (send) => {
        for (const topic of JSON.parse(key) as Array<Record<string, string>>) send({ action: 'subscribe', request_id: ++id, data: topic });
      },
      onMessage: (m) => {
        if (m && m.event === 'flow_instance.updated') cb.current(m.data);
      },
    });
    return () => s.close();
  }, [api, key]);
}
