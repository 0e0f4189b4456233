import type { SqlDb } from './sql-db.js';

// Read-only summaries for the dashboard and operators: counts by status and throughput per minute.

export interface Counts {
  tasks: Record<string, number>;
  flowInstances: Record<string, number>;
  processes: Record<string, number>;
  endpoints: number;
}

export interface MinuteBucket {
  /** Start of the minute, ms since the epoch. */
  at: number;
  tasksCompleted: number;
  transitionsFired: number;
}

export interface StatsStore {
  counts(ws: number): Promise<Counts>;
  /** One bucket per minute from `since` (rounded down to the minute) to `now`, oldest first. */
  throughput(ws: number, since: number, now: number): Promise<MinuteBucket[]>;
  /** Saved state records of an endpoint, newest first. */
  endpointStates(ws: number, endpointId: string, limit: number): Promise<Array<{ createdAt: number; record: unknown }> | null>;
}

const MINUTE = 60000;

async function grouped(db: SqlDb, sql: string, params: Array<string | number>): Promise<Record<string, number>> {
  const rows = await db.query<{ k: string; n: number }>(sql, params);
  return Object.fromEntries(rows.map((r) => [r.k, Number(r.n)]));
}

export function createStatsStore(db: SqlDb): StatsStore {
  return {
    async counts(ws) {
      const [tasks, flowInstances, processes, endpoints] = await Promise.all([
        grouped(db, 'SELECT status AS k, COUNT(*) AS n FROM tasks WHERE ws = ? AND flushed = 0 GROUP BY status', [ws]),
        grouped(db, 'SELECT state AS k, COUNT(*) AS n FROM flow_instances WHERE ws = ? GROUP BY state', [ws]),
        grouped(db, 'SELECT status AS k, COUNT(*) AS n FROM processes WHERE ws = ? GROUP BY status', [ws]),
        db.query<{ n: number }>('SELECT COUNT(*) AS n FROM endpoints WHERE ws = ?', [ws]),
      ]);
      return { tasks, flowInstances, processes, endpoints: Number(endpoints[0].n) };
    },
    async throughput(ws, since, now) {
      const from = Math.floor(since / MINUTE) * MINUTE;
      const [tasks, transitions] = await Promise.all([
        db.query<{ m: number; n: number }>(
          "SELECT (finished_at - (finished_at % 60000)) AS m, COUNT(*) AS n FROM tasks WHERE ws = ? AND status = 'completed' AND finished_at >= ? GROUP BY (finished_at - (finished_at % 60000))",
          [ws, from],
        ),
        db.query<{ m: number; n: number }>(
          `SELECT (h.at - (h.at % 60000)) AS m, COUNT(*) AS n FROM flow_history h JOIN flow_instances i ON i.id = h.instance_id
           WHERE i.ws = ? AND h.at >= ? GROUP BY (h.at - (h.at % 60000))`,
          [ws, from],
        ),
      ]);
      const t = new Map(tasks.map((r) => [Number(r.m), Number(r.n)]));
      const f = new Map(transitions.map((r) => [Number(r.m), Number(r.n)]));
      const out: MinuteBucket[] = [];
      for (let at = from; at <= now; at += MINUTE) out.push({ at, tasksCompleted: t.get(at) ?? 0, transitionsFired: f.get(at) ?? 0 });
      return out;
    },
    async endpointStates(ws, endpointId, limit) {
      const found = await db.query('SELECT 1 AS x FROM endpoints WHERE ws = ? AND id = ?', [ws, endpointId]);
      if (found.length === 0) return null;
      const rows = await db.query<{ record: string; created_at: number }>('SELECT record, created_at FROM endpoint_states WHERE endpoint = ? ORDER BY id DESC LIMIT ?', [endpointId, limit]);
      return rows.map((r) => ({ createdAt: Number(r.created_at), record: JSON.parse(r.record) }));
    },
  };
}
