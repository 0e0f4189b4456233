import type { SqlDb } from './sql-db.js';

/** Cluster membership: every node heartbeats; work held by a node that stopped heartbeating is reclaimed. */
export interface NodeStore {
  heartbeat(id: string, now: number): Promise<void>;
  remove(id: string): Promise<void>;
  live(since: number): Promise<string[]>;
}

export function createNodeStore(db: SqlDb): NodeStore {
  return {
    async heartbeat(id, now) {
      await db.exec('INSERT INTO nodes (id, started_at, heartbeat_at) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at', [id, now, now]);
    },
    async remove(id) {
      await db.exec('DELETE FROM nodes WHERE id = ?', [id]);
    },
    async live(since) {
      const rows = await db.query<{ id: string }>('SELECT id FROM nodes WHERE heartbeat_at >= ? ORDER BY id', [since]);
      return rows.map((r) => r.id);
    },
  };
}
