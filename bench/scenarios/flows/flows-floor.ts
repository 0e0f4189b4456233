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
 * The storage floor of a flow transition: the statements weft's flow store issues on SQLite for one
 * transition (one read of the instance with its subject's properties and the records of its
 * request id, the UPDATE of the instance, the history entry carrying the request id and the
 * answer's record), issued directly through better-sqlite3 on the same schema and `synchronous`,
 * `batch` transitions per transaction — no server, no JSON over a socket, no interpreter. Runs for
 * `seconds` on one thread.
 */
export function storageFloor(synchronous: 'FULL' | 'NORMAL', batch: number, seconds: number): { perSecond: number; transitions: number } {
  const { db, dispose } = weftSchemaDb(synchronous, 7);
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
    const read = db.prepare(
      `SELECT i.id, i.flow, i.version, i.subject, i.state, i.steps, i.data, i.seq, i.created_at, i.updated_at,
         (SELECT properties FROM subjects s WHERE s.ws = i.ws AND s.subject_key = i.subject) AS subject_properties,
         (SELECT outcome FROM flow_history h WHERE h.instance_id = ? AND h.request_key = ?) AS changed,
         (SELECT outcome FROM flow_requests r WHERE r.instance_id = ? AND r.request_id = ?) AS unchanged
       FROM flow_instances i WHERE i.ws = ? AND i.id = ?`,
    );
    const update = db.prepare('UPDATE flow_instances SET steps = ?, seq = ?, updated_at = ? WHERE id = ?');
    const history = db.prepare(
      'INSERT INTO flow_history (instance_id, seq, transition, from_step, to_step, type, request_id, at, request_key, outcome) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    const steps = [JSON.stringify({ start: 'completed', a: 'completed', b: 'active' }), JSON.stringify({ start: 'completed', a: 'active', b: 'completed' })];
    let n = 0;
    let rid = 0;
    const round = db.transaction(() => {
      const t = Date.now();
      for (const id of ids) {
        const r = `r${rid++}`;
        const row = read.get(id, r, id, r, 1, id) as { seq: number };
        const seq = row.seq + 1;
        update.run(steps[seq % 2], seq, t, id);
        // The record weft keeps for a repeat of the request id: [1, state, steps, data, seq, updated_at].
        history.run(id, seq, 'next', seq % 2 ? 'a' : 'b', seq % 2 ? 'b' : 'a', 'manual', r, t, r, `[1,"active",${steps[seq % 2]},{},${seq},${t}]`);
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
