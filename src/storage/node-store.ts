import type { SqlDb, SqlParam } from './sql-db.js';

/** Cluster membership: every node heartbeats; work held by a node that stopped heartbeating is reclaimed. */
export interface NodeStore {
  heartbeat(id: string, now: number): Promise<void>;
  /** Forgets the node and the stream slots it held. */
  remove(id: string): Promise<void>;
  live(since: number): Promise<string[]>;
  /**
   * Takes one stream slot of workspace `ws` for key `keyId` on node `node`, if the limits allow,
   * counting the slots of every live node (heartbeat at or after `liveSince`).
   */
  takeStreamSlot(req: {
    node: string;
    keyId: string;
    ws: number;
    liveSince: number;
    maxWorkspacesPerKey: number;
    maxStreamsPerWorkspace: number;
  }): Promise<'ok' | 'too_many_workspaces' | 'too_many_connections'>;
  releaseStreamSlot(node: string, ws: number): Promise<void>;
}

export function createNodeStore(db: SqlDb): NodeStore {
  return {
    async heartbeat(id, now) {
      await db.exec('INSERT INTO nodes (id, started_at, heartbeat_at) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at', [id, now, now]);
    },
    async remove(id) {
      await db.transaction(async (tx) => {
        await tx.exec('DELETE FROM stream_slots WHERE node_id = ?', [id]);
        await tx.exec('DELETE FROM nodes WHERE id = ?', [id]);
      });
    },
    async live(since) {
      const rows = await db.query<{ id: string }>('SELECT id FROM nodes WHERE heartbeat_at >= ? ORDER BY id', [since]);
      return rows.map((r) => r.id);
    },
    async takeStreamSlot(req) {
      return db.transaction(async (tx) => {
        // Streams of one key take turns here, on every node.
        if (db.forUpdate) await tx.query(`SELECT id FROM api_keys WHERE id = ?${db.forUpdate}`, [req.keyId]);
        const rows = await tx.query<{ ws: number; n: number }>(
          `SELECT s.ws AS ws, SUM(s.n) AS n FROM stream_slots s JOIN nodes d ON d.id = s.node_id
           WHERE s.key_id = ? AND s.n > 0 AND d.heartbeat_at >= ? GROUP BY s.ws`,
          [req.keyId, req.liveSince],
        );
        const open = new Map(rows.map((r) => [Number(r.ws), Number(r.n)]));
        if (!open.has(req.ws) && open.size >= req.maxWorkspacesPerKey) return 'too_many_workspaces';
        if ((open.get(req.ws) ?? 0) >= req.maxStreamsPerWorkspace) return 'too_many_connections';
        await tx.exec(
          'INSERT INTO stream_slots (node_id, key_id, ws, n) VALUES (?, ?, ?, 1) ON CONFLICT (node_id, ws) DO UPDATE SET n = stream_slots.n + 1',
          [req.node, req.keyId, req.ws],
        );
        return 'ok';
      });
    },
    async releaseStreamSlot(node, ws) {
      await db.exec('UPDATE stream_slots SET n = n - 1 WHERE node_id = ? AND ws = ? AND n > 0', [node, ws]);
    },
  };
}

/**
 * The `lease_owner` condition of work to take back from its holder: the holder is not among the live
 * nodes (heartbeat at or after `liveSince`; any other node's with `liveSince` null, on a single-node
 * store), and is never `self` unless `selfToo` (an earlier run under this node id, at its start).
 */
export function orphanedOwner(req: { self: string; liveSince: number | null; selfToo?: boolean }): { sql: string; params: SqlParam[] } {
  const others = req.liveSince === null ? 'lease_owner <> ?' : 'lease_owner <> ? AND lease_owner NOT IN (SELECT id FROM nodes WHERE heartbeat_at >= ?)';
  const params: SqlParam[] = [req.self, ...(req.liveSince === null ? [] : [req.liveSince])];
  return req.selfToo ? { sql: `(lease_owner = ? OR (${others}))`, params: [req.self, ...params] } : { sql: others, params };
}
