import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SqlDb, SqlRunner } from './sql-db.js';
import { packageRoot } from '../core/package-root.js';

// Migrations are numbered files, append-only (DESIGN convention 6): src/storage/<dialect>/migrations/NNNN_name.sql.
// Never edit one that has landed; add the next number.

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export function readMigrations(dialect: SqlDb['dialect']): Migration[] {
  const dir = join(packageRoot(), 'src', 'storage', dialect, 'migrations');
  return readdirSync(dir)
    .filter((f) => /^\d{4}_.+\.sql$/.test(f))
    .sort()
    .map((f) => ({ version: Number(f.slice(0, 4)), name: f.slice(5, -4), sql: readFileSync(join(dir, f), 'utf8') }));
}

/** Splits a migration file into statements (weft's migrations hold no `;` inside literals or bodies). */
function statements(sql: string): string[] {
  return sql
    .split(/;\s*(?:\n|$)/)
    .map((s) => s.replace(/^\s*--.*$/gm, '').trim())
    .filter((s) => s.length > 0);
}

/** Applies every migration not yet applied, each in its own transaction. Returns the versions applied. */
export async function migrate(db: SqlDb, now: () => number = Date.now): Promise<number[]> {
  // Several nodes may start at once: the advisory lock makes them take turns (PostgreSQL only),
  // from the first statement on: CREATE TABLE IF NOT EXISTS run by two at once fails in one of them.
  const turn = (tx: SqlRunner) => (db.capabilities.supportsListenNotify ? tx.query('SELECT pg_advisory_xact_lock(727274)') : Promise.resolve());
  await db.transaction(async (tx) => {
    await turn(tx);
    await tx.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)');
  });
  const applied: number[] = [];
  for (const m of readMigrations(db.dialect)) {
    const done = await db.transaction(async (tx) => {
      await turn(tx);
      const rows = await tx.query('SELECT version FROM schema_migrations WHERE version = ?', [m.version]);
      if (rows.length > 0) return false;
      for (const s of statements(m.sql)) await tx.exec(s);
      await tx.exec('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [m.version, m.name, now()]);
      return true;
    });
    if (done) applied.push(m.version);
  }
  return applied;
}
