import type { SqlDb } from './sql-db.js';
import { parseJson, toJson } from './sql-db.js';
import { StoreUnavailable } from '../core/errors.js';
import type { Tree } from '../core/process/interpreter/index.js';

export interface DefinitionRecord {
  name: string;
  revision: number;
  /** The definition as it was given (text or JSON array). */
  source: unknown;
  tree: Tree;
  createdAt: number;
}

interface DbDefinition {
  name: string;
  revision: number;
  source: string;
  tree: string;
  created_at: number;
}

const toDefinition = (r: DbDefinition): DefinitionRecord => ({
  name: r.name,
  revision: Number(r.revision),
  source: parseJson(r.source),
  tree: parseJson<Tree>(r.tree)!,
  createdAt: Number(r.created_at),
});

/** Stored process definitions: every save is a new revision, 1, 2, … per workspace and name. */
export interface ProcessDefinitionStore {
  save(ws: number, name: string, source: unknown, tree: Tree, now: number): Promise<DefinitionRecord>;
  latest(ws: number, name: string): Promise<DefinitionRecord | null>;
  /** The latest revision of each name. */
  list(ws: number): Promise<DefinitionRecord[]>;
}

// Default 50: saves of one name racing each other; each attempt lets at least one of them through.
const REVISION_ATTEMPTS = 50;

export function createProcessDefinitionStore(db: SqlDb): ProcessDefinitionStore {
  return {
    async save(ws, name, source, tree, now) {
      // Concurrent saves of one name (several nodes, PostgreSQL) may compute the same next revision:
      // the one that loses the race inserts nothing and tries again with the next (it was a 500,
      // and the save was lost).
      for (let attempt = 1; ; attempt++) {
        const rows = await db.transaction((tx) =>
          tx.query<{ revision: number }>(
            `INSERT INTO process_definitions (ws, name, revision, source, tree, created_at)
             SELECT ?, ?, COALESCE(MAX(revision), 0) + 1, ?, ?, ? FROM process_definitions WHERE ws = ? AND name = ?
             ON CONFLICT DO NOTHING RETURNING revision`,
            [ws, name, toJson(source), toJson(tree), now, ws, name],
          ),
        );
        if (rows.length > 0) return { name, revision: Number(rows[0].revision), source, tree, createdAt: now };
        if (attempt >= REVISION_ATTEMPTS) throw StoreUnavailable({ retryable: true });
      }
    },

    async latest(ws, name) {
      const rows = await db.query<DbDefinition>(
        'SELECT name, revision, source, tree, created_at FROM process_definitions WHERE ws = ? AND name = ? ORDER BY revision DESC LIMIT 1',
        [ws, name],
      );
      return rows.length ? toDefinition(rows[0]) : null;
    },

    async list(ws) {
      const rows = await db.query<DbDefinition>(
        `SELECT d.name, d.revision, d.source, d.tree, d.created_at FROM process_definitions d
         WHERE d.ws = ? AND d.revision = (SELECT MAX(e.revision) FROM process_definitions e WHERE e.ws = d.ws AND e.name = d.name)
         ORDER BY d.name${db.byCodePoint}`,
        [ws],
      );
      return rows.map(toDefinition);
    },
  };
}
