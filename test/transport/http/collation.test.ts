import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { backends, PG_URL, postgresBackend, sqliteBackend } from '../../helpers/backends.js';
import { freshDatabase, startWeft, type Database, type RunningWeft } from '../../helpers/weft.js';

// Lists ordered by a name come back in the same order on both backends, whatever collation the
// PostgreSQL database was created with: en_US or ICU put `a_b` before `a-b` and `Z` after `z`,
// SQLite orders by code point.

const NAMES = ['z', 'a_b', 'Z', 'a1', 'a-b', 'A'];
const CODE_POINT_ORDER = ['A', 'Z', 'a-b', 'a1', 'a_b', 'z'];

async function listedNames(weft: RunningWeft): Promise<{ definitions: string[]; flows: string[] }> {
  for (const name of NAMES) {
    const d = await weft.api('/v1/definitions', { method: 'POST', json: { name, workflow: 'define\n  alpha' } });
    assert.equal(d.status, 201, JSON.stringify(d.body));
    const f = await weft.api('/v1/flows', { method: 'POST', json: { identifier: name, steps: [{ identifier: 'a' }], transitions: [] } });
    assert.equal(f.status, 201, JSON.stringify(f.body));
  }
  const definitions = (await weft.api('/v1/definitions')).body.definitions.map((d: { name: string }) => d.name);
  const flows = (await weft.api('/v1/flows')).body.flows.map((f: { identifier: string }) => f.identifier);
  return { definitions, flows };
}

// An ICU-collated database of its own (collation is chosen per database, at creation).
async function icuDatabase(): Promise<Database> {
  const name = `weft_icu_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name} LOCALE_PROVIDER icu ICU_LOCALE 'en-US' TEMPLATE template0`);
  await admin.end();
  const url = new URL(PG_URL);
  url.pathname = `/${name}`;
  return {
    backend: postgresBackend,
    env: { WEFT_DATABASE_URL: url.toString() },
    async cleanup() {
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

const withPostgres = (await backends()).includes(postgresBackend);

describe('names are listed by code point on every backend', () => {
  const started: Array<{ db: Database; weft: RunningWeft }> = [];
  const start = async (db: Database) => {
    const weft = await startWeft(db);
    started.push({ db, weft });
    return weft;
  };
  after(async () => {
    for (const { db, weft } of started) {
      await weft.stop();
      await db.cleanup();
    }
  });

  test('SQLite', async () => {
    const listed = await listedNames(await start(freshDatabase(sqliteBackend)));
    assert.deepEqual(listed, { definitions: CODE_POINT_ORDER, flows: CODE_POINT_ORDER });
  });

  // PostgreSQL runs wherever the other suites run it (backends(): required when CI=true).
  if (withPostgres) {
    test('PostgreSQL, in a database collated by ICU en-US', async () => {
      const listed = await listedNames(await start(await icuDatabase()));
      assert.deepEqual(listed, { definitions: CODE_POINT_ORDER, flows: CODE_POINT_ORDER });
    });
  }
});
