import Database from 'better-sqlite3';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { REPO } from '../../lib/paths.js';
import { rate } from '../../lib/stats.js';

/** Opens a fresh SQLite file with weft's own migrations applied (the same tables and indexes as the server). */
export function weftSchemaDb(synchronous: 'FULL' | 'NORMAL', upTo: number): { db: Database.Database; dispose(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'weft-floor-'));
  const db = new Database(join(dir, 'floor.db'));
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${synchronous}`);
  db.pragma('foreign_keys = ON');
  const mdir = join(REPO, 'src', 'storage', 'sqlite', 'migrations');
  for (const f of readdirSync(mdir).sort()) {
    if (Number(f.slice(0, 4)) <= upTo) db.exec(readFileSync(join(mdir, f), 'utf8'));
  }
  return {
    db,
    dispose() {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The storage floor of a flow transition: the statements weft's flow store issues for one
 * transition (read the instance, check the request id, read the subject, update the instance,
 * append the history entry, record the request id), issued directly through better-sqlite3 on
 * the same schema and `synchronous`, `batch` transitions per transaction — no server, no JSON
 * over a socket, no interpreter. Runs for `seconds` on one thread.
 */
export function storageFloor(synchronous: 'FULL' | 'NORMAL', batch: number, seconds: number): { perSecond: number; transitions: number } {
  const { db, dispose } = weftSchemaDb(synchronous, 2);
  try {
    const now = Date.now();
    db.prepare("INSERT INTO api_keys (id, hash, prefix, created_at) VALUES ('k', 'h', 'p', ?)").run(now);
    db.prepare("INSERT INTO workspaces (pk, key_id, name, created_at) VALUES (1, 'k', 'default', ?)").run(now);
    db.prepare("INSERT INTO flow_schemas (ws, identifier, version, name, description, body, created_at) VALUES (1, 'bench-cycle', 1, 'n', 'd', '{}', ?)").run(now);
    const ids: string[] = [];
    const addSubject = db.prepare("INSERT INTO subjects (ws, subject_key, properties, json_schema, created_at, updated_at) VALUES (1, ?, '{}', NULL, ?, ?)");
    const addInstance = db.prepare(
      "INSERT INTO flow_instances (id, ws, flow, version, subject, state, steps, data, seq, created_at, updated_at) VALUES (?, 1, 'bench-cycle', 1, ?, 'active', ?, '{}', 1, ?, ?)",
    );
    db.transaction(() => {
      for (let i = 0; i < batch; i++) {
        const id = randomUUID();
        ids.push(id);
        addSubject.run(`s${i}`, now, now);
        addInstance.run(id, `s${i}`, JSON.stringify({ start: 'completed', a: 'active', b: 'inactive' }), now, now);
      }
    })();
    const getInstance = db.prepare('SELECT id, flow, version, subject, state, steps, data, seq, created_at, updated_at FROM flow_instances WHERE ws = ? AND id = ?');
    const seen = db.prepare('SELECT outcome FROM flow_requests WHERE instance_id = ? AND request_id = ?');
    const subject = db.prepare('SELECT properties FROM subjects WHERE ws = ? AND subject_key = ?');
    const update = db.prepare('UPDATE flow_instances SET state = ?, steps = ?, data = ?, seq = ?, updated_at = ? WHERE id = ? RETURNING id, flow, version, subject, state, steps, data, seq, created_at, updated_at');
    const history = db.prepare('INSERT INTO flow_history (instance_id, seq, transition, from_step, to_step, type, request_id, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    const request = db.prepare('INSERT INTO flow_requests (instance_id, request_id, outcome, created_at) VALUES (?, ?, ?, ?)');
    const steps = [JSON.stringify({ start: 'completed', a: 'completed', b: 'active' }), JSON.stringify({ start: 'completed', a: 'active', b: 'completed' })];
    let n = 0;
    let rid = 0;
    const round = db.transaction(() => {
      const t = Date.now();
      for (const id of ids) {
        const row = getInstance.get(1, id) as { seq: number; subject: string };
        const r = `r${rid++}`;
        seen.get(id, r);
        subject.get(1, row.subject);
        const seq = row.seq + 1;
        update.get('active', steps[seq % 2], '{}', seq, t, id);
        history.run(id, seq, 'next', seq % 2 ? 'a' : 'b', seq % 2 ? 'b' : 'a', 'manual', r, t);
        // The outcome weft keeps for a replay is the reply with the instance in it (about this size).
        request.run(id, r, JSON.stringify({ status: 200, result: 'success', instance: { id, flow: 'bench-cycle', version: 1, subject: row.subject, state: 'active', steps: steps[seq % 2], data: {}, seq } }), t);
      }
    });
    const t0 = performance.now();
    const end = t0 + seconds * 1000;
    while (performance.now() < end) {
      round();
      n += ids.length;
    }
    return { perSecond: rate(n, performance.now() - t0), transitions: n };
  } finally {
    dispose();
  }
}
