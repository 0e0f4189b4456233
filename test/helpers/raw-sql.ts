import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import type { Database } from './weft.js';

/** Runs one statement on a test database through a connection of its own (rows as an older weft wrote them); `?` placeholders. */
export async function rawQuery<T = Record<string, unknown>>(db: Database, sql: string, params: unknown[] = []): Promise<T[]> {
  if (db.env.WEFT_DATABASE_URL) {
    const client = new pg.Client({ connectionString: db.env.WEFT_DATABASE_URL });
    await client.connect();
    try {
      await client.query(`SET search_path TO "${db.env.WEFT_DATABASE_SCHEMA}"`);
      let n = 0;
      return (await client.query(sql.replace(/\?/g, () => `$${++n}`), params)).rows as T[];
    } finally {
      await client.end();
    }
  }
  const raw = new BetterSqlite3(join(db.env.WEFT_DATA_DIR, 'weft.db'));
  try {
    raw.pragma('busy_timeout = 5000');
    const st = raw.prepare(sql);
    if (st.reader) return st.all(...params) as T[];
    st.run(...params);
    return [];
  } finally {
    raw.close();
  }
}

export async function rawExec(db: Database, sql: string, params: unknown[]): Promise<void> {
  await rawQuery(db, sql, params);
}
