import Database from 'better-sqlite3';
import type { Statement } from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { NotifyListener, SqlDb, SqlParam, SqlRunner, StoreCapabilities } from '../sql-db.js';

export interface SqliteDbOptions {
  /** File path, or ':memory:'. */
  filename: string;
  /** Default 'FULL': every acknowledged change is on disk before the reply. 'NORMAL' trades the last commits on power loss (not on a crash) for speed. */
  synchronous?: 'FULL' | 'NORMAL';
}

interface Job {
  fn: (tx: SqlRunner) => Promise<unknown>;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

const CAPABILITIES: StoreCapabilities = Object.freeze({
  supportsSkipLocked: false,
  supportsListenNotify: false,
  singleNode: true,
});

function normalise(params: readonly SqlParam[]): unknown[] {
  return params.map((p) => (typeof p === 'boolean' ? (p ? 1 : 0) : p));
}

/**
 * better-sqlite3 behind the async SqlDb interface. Everything runs on one connection, so every
 * statement goes through one queue. PERF: transactions waiting in the queue are run together
 * inside one BEGIN IMMEDIATE … COMMIT (each in its own SAVEPOINT, so one failing does not undo
 * the others) — group commit: at synchronous=FULL one fsync serves many requests, and every
 * caller still resolves only after the commit that holds its change.
 */
export function createSqliteDb(opts: SqliteDbOptions): SqlDb {
  if (opts.filename !== ':memory:') mkdirSync(dirname(opts.filename), { recursive: true });
  const db = new Database(opts.filename);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${opts.synchronous ?? 'FULL'}`);
  db.pragma('foreign_keys = ON');
  // Default 5 s: another process (weft migrate, a backup) may hold the write lock briefly.
  db.pragma('busy_timeout = 5000');

  const statements = new Map<string, Statement>();
  function prepare(sql: string): Statement {
    let st = statements.get(sql);
    if (!st) {
      st = db.prepare(sql);
      statements.set(sql, st);
    }
    return st;
  }

  const listeners = new Set<NotifyListener>();
  // Notifications of the job running now; delivered after the COMMIT, dropped with a rollback.
  let pending: Array<[string, unknown]> = [];
  function deliver(notes: Array<[string, unknown]>) {
    for (const [event, payload] of notes) {
      for (const l of listeners) {
        try {
          l(event, payload);
        } catch {
          // A listener's failure is its own; the commit stands.
        }
      }
    }
  }

  const runner: SqlRunner = {
    async query<T>(sql: string, params: readonly SqlParam[] = []): Promise<T[]> {
      return prepare(sql).all(...normalise(params)) as T[];
    },
    async exec(sql: string, params: readonly SqlParam[] = []): Promise<number> {
      const st = prepare(sql);
      if (st.reader) return st.all(...normalise(params)).length;
      return st.run(...normalise(params)).changes;
    },
    notify(event, payload) {
      pending.push([event, payload]);
    },
  };

  let queue: Job[] = [];
  let draining = false;
  let closed = false;

  async function drain(): Promise<void> {
    draining = true;
    try {
      while (queue.length > 0) {
        const batch = queue;
        queue = [];
        const results: Array<{ ok: boolean; value: unknown }> = [];
        const notes: Array<[string, unknown]> = [];
        db.exec('BEGIN IMMEDIATE');
        try {
          for (const job of batch) {
            db.exec('SAVEPOINT job');
            pending = [];
            try {
              const value = await job.fn(runner);
              db.exec('RELEASE job');
              results.push({ ok: true, value });
              notes.push(...pending);
            } catch (err) {
              db.exec('ROLLBACK TO job');
              db.exec('RELEASE job');
              results.push({ ok: false, value: err });
            }
          }
          pending = [];
          db.exec('COMMIT');
        } catch (err) {
          pending = [];
          if (db.inTransaction) db.exec('ROLLBACK');
          batch.forEach((job) => job.reject(err));
          continue;
        }
        deliver(notes);
        batch.forEach((job, i) => (results[i].ok ? job.resolve(results[i].value) : job.reject(results[i].value)));
      }
    } finally {
      draining = false;
    }
  }

  function enqueue<T>(fn: (tx: SqlRunner) => Promise<T>): Promise<T> {
    if (closed) return Promise.reject(new Error('database is closed'));
    return new Promise<T>((resolve, reject) => {
      queue.push({ fn, resolve: resolve as (v: unknown) => void, reject });
      // PERF: setImmediate lets every request read in this I/O phase join the same commit.
      if (!draining && queue.length === 1) setImmediate(() => void drain());
    });
  }

  return {
    dialect: 'sqlite',
    capabilities: CAPABILITIES,
    skipLocked: '',
    forUpdate: '',
    transaction: enqueue,
    query: (sql, params) => enqueue((tx) => tx.query(sql, params)),
    exec: (sql, params) => enqueue((tx) => tx.exec(sql, params)),
    notify: (event, payload) => void enqueue(async (tx) => tx.notify(event, payload)),
    onNotify(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      closed = true;
      while (draining || queue.length > 0) await new Promise((r) => setImmediate(r));
      db.close();
    },
  };
}
