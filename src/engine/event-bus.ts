import { EventEmitter } from 'node:events';

// The typed event map (DESIGN convention 9): WebSocket streams, metrics and tests all listen here.
// Events are emitted only after the commit that holds the change.
export interface EventMap {
  /** Something in a workspace's task list changed. */
  'task:changed': { ws: number };
  /** Queued work may be claimable now (a task was created, a slot freed, a retry became due). */
  'task:available': { ws: number | null };
  /** How many tasks of the workspace one commit completed (or failed). */
  /** `node`: the node that committed them (null when its store was made without a name). */
  'task:completed': { ws: number; count: number; node?: string | null };
  'task:failed': { ws: number; count: number; node?: string | null };
  /** A flow instance changed (the payload is the rendered instance). */
  'flow:instance': { ws: number; instance: Record<string, unknown> & { id: string; subject: string; flow: string } };
  'flow:transition': { ws: number; instanceId: string; count: number };
  /** A version of a flow schema was added (its first or a later one). */
  'flow:defined': { ws: number; identifier: string; version: number };
  /** A process changed (launched, moved on, ended). */
  /** `unclaimed`: deliveries the step wrote that no sender holds yet. */
  'process:changed': { ws: number; wfid: string; status: string; unclaimed: number };
  'callback:failed': { ws: number; wfid: string; workitemId: string; error: string };
  /** An attempt failed and the delivery waits for its next one. */
  'callback:retrying': { ws: number; wfid: string; workitemId: string; participant: string; attempts: number; nextAttemptAt: number; error: string };
  'endpoint:changed': { ws: number; id: string };
  'endpoint:served': { ws: number; id: string; status: number };
  /** The store's notification connection came back (PostgreSQL restarted): notifications may have been missed. */
  'store:reconnected': Record<string, never>;
}

export type EventName = keyof EventMap;

export interface EventBus {
  emit<K extends EventName>(name: K, payload: EventMap[K]): void;
  on<K extends EventName>(name: K, fn: (payload: EventMap[K]) => void): () => void;
  once<K extends EventName>(name: K, predicate?: (payload: EventMap[K]) => boolean): Promise<EventMap[K]>;
}

export function createEventBus(): EventBus {
  const ee = new EventEmitter();
  ee.setMaxListeners(0);
  return {
    emit(name, payload) {
      ee.emit(name, payload);
    },
    on(name, fn) {
      ee.on(name, fn as (p: unknown) => void);
      return () => ee.off(name, fn as (p: unknown) => void);
    },
    once(name, predicate) {
      return new Promise((resolve) => {
        const fn = (p: EventMap[typeof name]) => {
          if (predicate && !predicate(p)) return;
          ee.off(name, fn as (p: unknown) => void);
          resolve(p);
        };
        ee.on(name, fn as (p: unknown) => void);
      });
    },
  };
}
