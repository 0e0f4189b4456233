import type { SqlDb } from './sql-db.js';
import { cacheStep, lockProcess, stepLocked, type StepDecision, type StepOutcome } from './process-rows.js';
import type { ProcessCache } from './process-cache.js';

export interface DueTimer {
  wfid: string;
  timerId: string;
  dueAt: number;
}

/** Durable process timers: one row per scheduled timer, deleted in the transaction that fires it. */
export interface ProcessTimerStore {
  due(now: number, limit: number): Promise<DueTimer[]>;
  /** The earliest due time, or null when no timer is scheduled. */
  nextDueAt(): Promise<number | null>;
  /**
   * Deletes the timer and applies `decide` to its process in one transaction. 'gone' when another
   * node fired it first or it was unscheduled meanwhile.
   */
  fire(t: DueTimer, now: number, decide: StepDecision): Promise<StepOutcome | 'gone'>;
  /** Moves a timer that could not be fired (a failing step) to a later time. */
  postpone(t: DueTimer, dueAt: number): Promise<void>;
}

export function createProcessTimerStore(db: SqlDb, cache?: ProcessCache): ProcessTimerStore {
  return {
    async due(now, limit) {
      const rows = await db.query<{ wfid: string; timer_id: string; due_at: number }>(
        'SELECT wfid, timer_id, due_at FROM process_timers WHERE due_at <= ? ORDER BY due_at, wfid LIMIT ?',
        [now, limit],
      );
      return rows.map((r) => ({ wfid: r.wfid, timerId: r.timer_id, dueAt: Number(r.due_at) }));
    },

    async nextDueAt() {
      const rows = await db.query<{ due: number | null }>('SELECT MIN(due_at) AS due FROM process_timers');
      return rows.length && rows[0].due !== null ? Number(rows[0].due) : null;
    },

    async fire(t, now, decide) {
      const out = await db.transaction(async (tx) => {
        // The process row first, as every step does: one lock order, no deadlock with an API step.
        const before = await lockProcess(db, tx, t.wfid, null, cache);
        const n = await tx.exec('DELETE FROM process_timers WHERE wfid = ? AND timer_id = ? AND due_at <= ?', [t.wfid, t.timerId, now]);
        if (n === 0 || before === null) return 'gone' as const;
        return stepLocked(tx, before, decide, now);
      });
      if (cache && out !== 'gone') cacheStep(cache, out);
      return out;
    },

    async postpone(t, dueAt) {
      await db.exec('UPDATE process_timers SET due_at = ? WHERE wfid = ? AND timer_id = ?', [dueAt, t.wfid, t.timerId]);
    },
  };
}
