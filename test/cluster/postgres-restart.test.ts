import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../helpers/child-weft.js';
import { startWeft, type Database } from '../helpers/weft.js';

// A throwaway PostgreSQL cluster on its own port, so that the shared server is left alone.
function pgBin(): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root).sort();
  for (const v of versions.reverse()) if (existsSync(join(root, v, 'bin', 'initdb'))) return join(root, v, 'bin');
  return null;
}

const bin = pgBin();
const asPostgres = (cmd: string, args: string[]) =>
  process.getuid?.() === 0 ? execFileSync('runuser', ['-u', 'postgres', '--', join(bin!, cmd), ...args], { stdio: 'pipe' }) : execFileSync(join(bin!, cmd), args, { stdio: 'pipe' });

test(
  'weft survives PostgreSQL restarting under load: in-flight requests fail with 503, then it recovers by itself, nothing acknowledged is lost',
  { skip: bin ? false : 'no PostgreSQL server binaries (initdb) on this machine', timeout: 120000 },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'weft-pg-'));
    const data = join(dir, 'data');
    if (process.getuid?.() === 0) chownSync(dir, Number(execFileSync('id', ['-u', 'postgres']).toString().trim()), Number(execFileSync('id', ['-g', 'postgres']).toString().trim()));
    const port = await freePort();
    const pgctl = (...args: string[]) => asPostgres('pg_ctl', ['-D', data, '-w', '-t', '30', ...args]);
    const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`;
    asPostgres('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
    pgctl('-o', opts, '-l', join(dir, 'log'), 'start');
    const db: Database = {
      backend: { name: 'postgres', fresh: () => ({ env: {}, cleanup: async () => {} }) },
      env: { WEFT_DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/postgres`, WEFT_DATABASE_SCHEMA: 'weft' },
      cleanup: async () => {},
    };
    const weft = await startWeft(db, { WEFT_WORKER_TYPES: 'ext.job' });
    try {
      const acked: string[] = [];
      const statuses = new Map<number, number>();
      let stop = false;
      let n = 0;
      const load = (async () => {
        while (!stop) {
          const name = `t${n++}`;
          const started = Date.now();
          const r = await weft.api('/tasks', { method: 'POST', json: { name, type: 'ext.job' } }).catch(() => ({ status: 0 }));
          assert.ok(Date.now() - started < 15000, 'a request never hangs');
          statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
          if (r.status === 200) acked.push(name);
          else await new Promise((res) => setTimeout(res, 20));
        }
      })();
      await new Promise((r) => setTimeout(r, 500));
      pgctl('-m', 'fast', 'stop');
      // While it is down: 503, never a success and never another 5xx.
      const down = await weft.api('/tasks', { method: 'POST', json: { name: 'while-down', type: 'ext.job' } });
      assert.equal(down.status, 503);
      assert.equal((await weft.api('/healthz', { key: null })).status, 503);
      await new Promise((r) => setTimeout(r, 1000));
      pgctl('-o', opts, '-l', join(dir, 'log'), 'start');
      // It recovers without a restart of its own.
      const deadline = Date.now() + 20000;
      for (;;) {
        const r = await weft.api('/tasks', { method: 'POST', json: { name: 'after', type: 'ext.job' } });
        if (r.status === 200) break;
        assert.ok(Date.now() < deadline, 'weft serves again within 20 s of PostgreSQL coming back');
        await new Promise((res) => setTimeout(res, 100));
      }
      await new Promise((r) => setTimeout(r, 300));
      stop = true;
      await load;
      for (const status of statuses.keys()) assert.ok(status === 200 || status === 503, `only 200 and 503, saw ${status}`);
      assert.ok((statuses.get(503) ?? 0) > 0, 'some requests met the database away');
      const names = new Set(((await weft.api('/tasks')).body.tasks as Array<{ name: string }>).map((t) => t.name));
      for (const name of acked) assert.ok(names.has(name), `acknowledged task ${name} is there`);
      assert.ok(!names.has('while-down'));
    } finally {
      await weft.stop().catch(() => {});
      try {
        pgctl('-m', 'immediate', 'stop');
      } catch {
        // already stopped
      }
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
