import pg from 'pg';
import { PG_URL } from '../../lib/paths.js';

/** PostgreSQL's version and durability settings, as the server reports them. */
export async function pgDurability(pool?: pg.Pool): Promise<{ version: string; durability: string }> {
  const own = pool ?? new pg.Pool({ connectionString: PG_URL, max: 1 });
  try {
    const v = (await own.query('SHOW server_version')).rows[0].server_version as string;
    const sc = (await own.query('SHOW synchronous_commit')).rows[0].synchronous_commit as string;
    const fsync = (await own.query('SHOW fsync')).rows[0].fsync as string;
    return { version: `PostgreSQL ${v.split(' ')[0]}`, durability: `PostgreSQL synchronous_commit=${sc}, fsync=${fsync}` };
  } finally {
    if (!pool) await own.end();
  }
}

/** Records PostgreSQL's version in the report and returns its durability line. */
export async function pgInfo(report: { versions: Record<string, string> }): Promise<string> {
  const d = await pgDurability();
  report.versions.postgresql = d.version;
  return d.durability;
}
