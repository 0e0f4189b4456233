import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';

// The conformance suites run on every backend (DESIGN convention 5). PostgreSQL comes from
// WEFT_TEST_DATABASE_URL (default the local server); each run gets a fresh schema.
// When PostgreSQL is unreachable the PostgreSQL half is skipped LOUDLY; with CI=true it fails.

export const PG_URL = process.env.WEFT_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface Backend {
  name: 'sqlite' | 'postgres';
  /** Settings overrides that point weft at a fresh database of this backend. */
  fresh(): { env: Record<string, string>; pgSchema?: string; cleanup(): Promise<void> };
}

let pgReachable: Promise<boolean> | null = null;
export function postgresReachable(): Promise<boolean> {
  pgReachable ??= (async () => {
    const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return true;
    } catch (err) {
      if (process.env.CI === 'true') throw new Error(`PostgreSQL at ${PG_URL} is unreachable and CI=true: ${(err as Error).message}`);
      console.error(`\n!!! PostgreSQL at ${PG_URL} is unreachable (${(err as Error).message}): SKIPPING the PostgreSQL half of the suite !!!\n`);
      return false;
    } finally {
      await client.end().catch(() => {});
    }
  })();
  return pgReachable;
}

export const sqliteBackend: Backend = {
  name: 'sqlite',
  fresh() {
    const dir = mkdtempSync(join(tmpdir(), 'weft-test-'));
    return {
      env: { WEFT_DATA_DIR: dir },
      async cleanup() {
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};

export const postgresBackend: Backend = {
  name: 'postgres',
  fresh() {
    const schema = `weft_test_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
    return {
      env: { WEFT_DATABASE_URL: PG_URL, WEFT_DATABASE_SCHEMA: schema },
      pgSchema: schema,
      async cleanup() {
        const client = new pg.Client({ connectionString: PG_URL });
        try {
          await client.connect();
          await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        } catch {
          // best effort
        } finally {
          await client.end().catch(() => {});
        }
      },
    };
  },
};

/** Backends to run on: SQLite always, PostgreSQL when reachable (required when CI=true). */
export async function backends(): Promise<Backend[]> {
  return (await postgresReachable()) ? [sqliteBackend, postgresBackend] : [sqliteBackend];
}
