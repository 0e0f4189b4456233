import { spawnSync } from 'node:child_process';
import pg from 'pg';
import { PG_URL } from './paths.js';

/**
 * Lets the disk settle before a scenario: PostgreSQL writes the pages an earlier scenario dirtied
 * (CHECKPOINT) and the OS its dirty pages (sync), so that their deferred I/O does not land in the
 * next scenario's measurements (the flows p99 at 7,500/s doubled while PostgreSQL checkpointed the
 * tasks scenario's writes). Either may be unavailable; the scenario runs all the same.
 */
export async function settle(): Promise<void> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('CHECKPOINT');
  } catch {
    // No PostgreSQL, or no right to CHECKPOINT.
  } finally {
    await client.end().catch(() => {});
  }
  spawnSync('sync', { stdio: 'ignore' });
}
