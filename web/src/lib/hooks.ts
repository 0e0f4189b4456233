import { createContext, useCallback, useContext, useEffect, useRef, useState } from 'react';
import { openSocket, type Api } from './api.js';

export const ApiContext = createContext<Api | null>(null);

export function useApi(): Api {
  const api = useContext(ApiContext);
  if (!api) throw new Error('useApi outside a workspace');
  return api;
}

export interface Polled<T> {
  data: T | undefined;
  error: string | null;
  reload(): void;
}

/**
 * Loads, then reloads every `everyMs` while the view is open (views without a push stream stay
 * live this way). Default 1000 ms: the dashboard promises changes within a second.
 */
export function usePoll<T>(load: () => Promise<T>, deps: unknown[], everyMs = 1000): Polled<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  useEffect(() => {
    setData(undefined);
    setError(null);
  }, deps); // eslint-disable-line react-hooks/exhaustive-deps
  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | null = null;
    const run = async () => {
      try {
        const v = await loadRef.current();
        if (!live) return;
        setData(v);
        setError(null);
      } catch (err) {
        if (live) setError(err instanceof Error ? err.message : String(err));
      }
      if (live && everyMs > 0) timer = setTimeout(run, everyMs);
    };
    void run();
    return () => {
      live = false;
      if (timer) clearTimeout(timer);
    };
  }, [...deps, tick, everyMs]); // eslint-disable-line react-hooks/exhaustive-deps
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data, error, reload };
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
  error: string | null;
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
 * /ws/flows subscription: calls onChange with every pushed instance of the topic. `topic` is
 * {flow_instance_id}, {subject} or {flow}.
 */
export function useFlowEvents(api: Api, topic: Record<string, string> | null, onChange: (instance: any) => void) {
  const cb = useRef(onChange);
  cb.current = onChange;
  const key = topic ? JSON.stringify(topic) : null;
  useEffect(() => {
    if (!key) return;
    let id = 0;
    const s = openSocket(api, '/ws/flows', {
      onOpen: (send) => send({ action: 'subscribe', request_id: ++id, data: JSON.parse(key) }),
      onMessage: (m) => {
        if (m && m.event === 'flow_instance.updated') cb.current(m.data);
      },
    });
    return () => s.close();
  }, [api, key]);
}
