import Database from 'better-sqlite3';
import type { Statement } from 'better-sqlite3';
import { mkdirSync, openSync, closeSync, fdatasync } from 'node:fs';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { dirname } from 'node:path';
import type { NotifyListener, SqlDb, SqlParam, SqlRunner, StoreCapabilities } from '../sql-db.js';

export interface SqliteDbOptions {
  /** File path, or ':memory:'. */
  filename: string;
  /**
   * Default 'FULL': every acknowledged change is on disk before the reply (see walSync below).
   * 'NORMAL' trades the last commits on power loss (not on a crash) for speed.
   */
  synchronous?: 'FULL' | 'NORMAL';
  /** Frames past which the writer lets the checkpointer catch up so that the WAL starts over (default WAL_RESTART_FRAMES). */
  walRestartFrames?: number;
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
  serialWriter: true,
});

function normalise(params: readonly SqlParam[]): unknown[] {
  return params.map((p) => (typeof p === 'boolean' ? (p ? 1 : 0) : p));
}

type Row = Record<string, unknown>;

/** A prepared statement and how its rows are read. */
interface Prepared {
  readonly: boolean;
  /** Whether it returns rows (a SELECT, or a write with RETURNING). */
  reader: boolean;
  all(params: readonly SqlParam[]): Row[];
  /** Runs a statement that returns no rows; resolves to the rows changed. */
  run(params: readonly SqlParam[]): number;
}

/**
 * Reads a statement's rows as objects keyed by column name, as better-sqlite3 would. PERF:
 * better-sqlite3 builds each row object property by property from C++ (~4.5 µs for a task's 21
 * columns); here the rows are read as arrays and made objects by a function compiled once per
 * statement from its column names, one object literal of one shape (~0.3 µs): a worker's complete
 * or claim returns a task's columns per row. Column names are quoted with JSON.stringify; a later column of the same name wins, as in
 * better-sqlite3's objects. A name `__proto__` (which a literal would take for the prototype) keeps
 * the library's own objects.
 */
function rowReader(st: Statement): (params: readonly SqlParam[]) => Row[] {
  const names = st.columns().map((c) => c.name);
  if (names.includes('__proto__')) return (params) => st.all(...normalise(params)) as Row[];
  st.raw(true);
  const make = new Function('r', `return { ${names.map((n, i) => `${JSON.stringify(n)}: r[${i}]`).join(', ')} };`) as (r: unknown[]) => Row;
  return (params) => (st.all(...normalise(params)) as unknown[][]).map(make);
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
  // FULL is SQLite's NORMAL plus an fsync of the WAL after every commit. PERF: weft does that fsync
  // itself, off the event loop (walSync), instead of letting COMMIT block the loop for it.
  const durable = (opts.synchronous ?? 'FULL') === 'FULL' && opts.filename !== ':memory:';
  db.pragma(`synchronous = ${durable ? 'NORMAL' : (opts.synchronous ?? 'FULL')}`);
  db.pragma('foreign_keys = ON');
  // PERF: every job of a group commit runs in a SAVEPOINT, so SQLite keeps the original of each page
  // a job changes in the transaction's statement journal. Past 64 KiB that journal spills to a
  // temporary file, a pwrite per page from then on: a group commit of a few hundred jobs spills. In
  // memory it costs the batch's changed pages until its COMMIT. Firing the recovery bench's 10,000
  // timers in batches of 256: 257k → 53k pwrites, ~141 → ~116 µs of SQLite time per timer.
  db.pragma('temp_store = MEMORY');
  const restartFrames = opts.walRestartFrames ?? WAL_RESTART_FRAMES;
  const checkpointer = opts.filename === ':memory:' ? null : createCheckpointer(opts.filename, CHECKPOINT_REST_MS[durable ? 'FULL' : 'NORMAL'], restartFrames);
  // PERF: checkpoints run on the checkpointer's thread; this one only as a safety net past 20,000
  // WAL pages (~80 MB), were that thread to fall behind or die. SQLite's default is 1,000, on this
  // thread. Below it, the writer has the WAL started over at WAL_RESTART_FRAMES (createCheckpointer).
  if (checkpointer) db.pragma(`wal_autocheckpoint = ${Math.max(20000, 2 * restartFrames)}`);
  // Default 5 s: another process (weft migrate, a backup) may hold the write lock briefly.
  db.pragma('busy_timeout = 5000');

  const statements = new Map<string, Prepared>();
  function prepare(sql: string): Prepared {
    let p = statements.get(sql);
    if (!p) {
      const st = db.prepare(sql);
      p = {
        readonly: st.readonly,
        reader: st.reader,
        // better-sqlite3 refuses all() on a statement without rows: so does this.
        all: st.reader ? rowReader(st) : (params) => st.all(...normalise(params)) as Row[],
        run: (params) => st.run(...normalise(params)).changes,
      };
      statements.set(sql, p);
    }
    return p;
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

  // Whether the batch running now changed anything (a batch of reads has nothing to fsync).
  let wrote = false;
  const runner: SqlRunner = {
    async query<T>(sql: string, params: readonly SqlParam[] = []): Promise<T[]> {
      const st = prepare(sql);
      // INSERT … RETURNING is a reader too: readonly is what tells a write.
      if (!st.readonly) wrote = true;
      return st.all(params) as T[];
    },
    async exec(sql: string, params: readonly SqlParam[] = []): Promise<number> {
      const st = prepare(sql);
      if (!st.readonly) wrote = true;
      if (st.reader) return st.all(params).length;
      return st.run(params);
    },
    async queryMany(statements) {
      const out: Array<Array<Record<string, unknown>>> = [];
      for (const [sql, params] of statements) {
        const st = prepare(sql);
        if (!st.readonly) wrote = true;
        // A statement that returns no rows (an INSERT without RETURNING) answers none.
        if (st.reader) out.push(st.all(params));
        else {
          st.run(params);
          out.push([]);
        }
      }
      return out;
    },
    finish: (statements) => runner.queryMany(statements),
    notify(event, payload) {
      pending.push([event, payload]);
    },
  };

  // PERF: the group commit's transaction control, prepared once (db.exec compiles its SQL on every
  // call): a batch runs BEGIN and COMMIT, and a SAVEPOINT and RELEASE per job.
  const control = {
    begin: db.prepare('BEGIN IMMEDIATE'),
    savepoint: db.prepare('SAVEPOINT job'),
    release: db.prepare('RELEASE job'),
    rollbackTo: db.prepare('ROLLBACK TO job'),
    commit: db.prepare('COMMIT'),
    rollback: db.prepare('ROLLBACK'),
  };
  let queue: Job[] = [];
  let draining = false;
  let closed = false;
  const walSync = durable ? createWalSync(`${opts.filename}-wal`) : null;

  /** Resolves a committed batch: at once, or (FULL) once the WAL holding it is on disk. */
  function settle(batch: Job[], results: Array<{ ok: boolean; value: unknown }>, notes: Array<[string, unknown]>, changed: boolean) {
    const release = () => {
      deliver(notes);
      batch.forEach((job, i) => (results[i].ok ? job.resolve(results[i].value) : job.reject(results[i].value)));
    };
    // Notifications keep commit order, so a batch with any waits its turn even without writes.
    if (!walSync || (!changed && notes.length === 0)) return release();
    walSync.after(release, (err) => batch.forEach((job) => job.reject(err)));
  }

  async function drain(): Promise<void> {
    draining = true;
    try {
      while (queue.length > 0) {
        // PERF: a long WAL is started over now, between transactions (see createCheckpointer).
        if (checkpointer?.behind()) await checkpointer.catchUp();
        const batch = queue;
        queue = [];
        const results: Array<{ ok: boolean; value: unknown }> = [];
        const notes: Array<[string, unknown]> = [];
        wrote = false;
        control.begin.run();
        try {
          for (const job of batch) {
            control.savepoint.run();
            pending = [];
            try {
              const value = await job.fn(runner);
              control.release.run();
              results.push({ ok: true, value });
              notes.push(...pending);
            } catch (err) {
              control.rollbackTo.run();
              control.release.run();
              results.push({ ok: false, value: err });
            }
          }
          pending = [];
          control.commit.run();
        } catch (err) {
          pending = [];
          if (db.inTransaction) control.rollback.run();
          batch.forEach((job) => job.reject(err));
          continue;
        }
        settle(batch, results, notes, wrote);
        if (wrote) checkpointer?.committed();
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
    byCodePoint: '',
    transaction: enqueue,
    query<T>(sql: string, params: readonly SqlParam[] = []): Promise<T[]> {
      // PERF: a read with nothing queued or running runs at once, outside any transaction: it sees
      // exactly what is committed, and skips the queue's BEGIN … COMMIT and its turn of the loop.
      // Behind a queued write it waits its turn, so a read never overtakes a write issued before it.
      if (!draining && queue.length === 0 && !closed) {
        try {
          const st = prepare(sql);
          if (st.readonly) return Promise.resolve(st.all(params) as T[]);
        } catch (err) {
          return Promise.reject(err);
        }
      }
      return enqueue((tx) => tx.query<T>(sql, params));
    },
    exec: (sql, params) => enqueue((tx) => tx.exec(sql, params)),
    queryMany: (statements) => enqueue((tx) => tx.queryMany(statements)),
    finish: (statements) => enqueue((tx) => tx.queryMany(statements)),
    notify: (event, payload) => void enqueue(async (tx) => tx.notify(event, payload)),
    onNotify(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      closed = true;
      while (draining || queue.length > 0) await new Promise((r) => setImmediate(r));
      await walSync?.close();
      await checkpointer?.close();
      db.close();
    },
  };
}

/**
 * The fsync of synchronous=FULL, done on libuv's thread pool. A committed batch is released (its
 * callers resolved, its notifications delivered) only after an fdatasync of the WAL that began
 * after its COMMIT returned: the WAL frames of the commit were written by then, so they are on
 * disk — what FULL promises. While one fdatasync runs, the next batches execute and commit; the
 * following fdatasync serves all of them (group commit across fsyncs), and batches are released
 * in commit order. The difference from SQLite's own FULL: another request may read a change in
 * the ~ms between its COMMIT and its fsync; its writer has not been answered yet, and a crash of
 * the process loses nothing (the OS has the pages) — only a power loss inside that window could.
 */
function createWalSync(walPath: string) {
  let fd: number | null = null;
  let running: Promise<void> | null = null;
  let waiting: Array<{ ok: () => void; fail: (err: unknown) => void }> = [];

  function start() {
    const round = waiting;
    waiting = [];
    running = new Promise<void>((done) => {
      try {
        // The WAL exists once a transaction has committed in WAL mode.
        fd ??= openSync(walPath, 'r');
      } catch (err) {
        round.forEach((w) => w.fail(err));
        return done();
      }
      fdatasync(fd, (err) => {
        for (const w of round) err ? w.fail(err) : w.ok();
        done();
      });
    }).then(() => {
      running = null;
      if (waiting.length > 0) start();
    });
  }

  return {
    after(ok: () => void, fail: (err: unknown) => void) {
      waiting.push({ ok, fail });
      if (!running) start();
    },
    async close() {
      while (running) await running;
      if (fd !== null) closeSync(fd);
      fd = null;
    },
  };
}

// How long the checkpointer rests between checkpoints while commits go on. Each checkpoint costs two
// fsyncs and the CPU of copying pages, some of it on the writer's thread too: with no rest, the
// endpoint service alone took 45 µs of the event loop a request, against 38-39 with 5 ms. Large
// checkpoints stall the writer's WAL writes in the filesystem's journal while they fsync (250 ms of
// commits: 20-45 ms stalls), and rest used to let the WAL outgrow the writer's safety net (the
// writer then checkpointed on the event loop; see createCheckpointer). Default 5 ms at NORMAL: with
// the WAL started over by the writer's catch-up, COMMITs over 10 ms were as rare as with none.
// Default 25 ms at FULL, where the group commit's fdatasync of the WAL shares the disk with the
// checkpoint's fsync: continuous checkpoints there cost ~10% of the task throughput. Measured in
// docs/benchmarks.md ("What the profiles show", flows).
const CHECKPOINT_REST_MS = { FULL: 25, NORMAL: 5 } as const;

// Default 16,000 frames (~64 MB of 4 KiB pages): past this length the writer lets the checkpointer
// catch up so that the WAL starts over (createCheckpointer), before the writer's safety net. Each
// catch-up holds the writes for one checkpoint (a few ms, ~20 ms at worst on the AMD host): 4,000
// frames meant ~100 of them in a flows bench run, 16,000 ~20-30.
const WAL_RESTART_FRAMES = 16000;

// The checkpointer's thread: its own connection to the database, running PASSIVE checkpoints
// (they never block the writer) when asked. CommonJS text, so it runs the same from the sources
// and from the bundle; better-sqlite3 is passed by its resolved path.
const CHECKPOINTER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.filename);
db.pragma('busy_timeout = 5000');
parentPort.on('message', (m) => {
  if (m === 'close') {
    db.close();
    parentPort.close();
    return;
  }
  let frames = null;
  try {
    const r = db.pragma('wal_checkpoint(PASSIVE)')[0];
    frames = [r.log, r.checkpointed];
  } catch {
    // busy or failing: the next one tries again, and the writer's own safety net remains
  }
  parentPort.postMessage(frames);
});
`;

/**
 * Moves WAL checkpoints off the event loop. A checkpoint copies committed pages from the WAL into
 * the database file and fsyncs it — milliseconds of I/O that, run by the writer's connection at
 * every 1,000 WAL pages, stalled every request waiting on the event loop (the flows p99).
 *
 * The WAL is written from its start again only when a write begins with every frame of it
 * checkpointed. Under steady writes the checkpointer, one commit behind, seldom finds that moment,
 * and the WAL grew past the writer's safety net: the writer then checkpointed on the event loop
 * (two fsyncs) at every commit until it caught up — most of the COMMITs over 10 ms in the flows
 * bench. So once the WAL is past `restartFrames` and behind, the writer lets the checkpointer catch
 * up between two transactions (`catchUp`: the queue waits, the event loop does not), and its next
 * write starts the WAL over.
 */
function createCheckpointer(filename: string, restMs: number, restartFrames: number) {
  const worker = new Worker(CHECKPOINTER_SOURCE, {
    eval: true,
    workerData: { driver: createRequire(import.meta.url).resolve('better-sqlite3'), filename },
  });
  worker.unref();
  // A checkpointer that died leaves the writer's safety net in charge.
  let alive = true;
  let busy = false;
  let last = 0;
  // The WAL's frames and how many of them are checkpointed, as of the last checkpoint.
  let frames = 0;
  let checkpointed = 0;
  // Commits counted, and their count when the last checkpoint started: any since, and it is behind.
  let commits = 0;
  let commitsAtRun = 0;
  let waiting: Array<() => void> = [];
  const release = () => {
    const w = waiting;
    waiting = [];
    w.forEach((resolve) => resolve());
  };
  const run = () => {
    busy = true;
    commitsAtRun = commits;
    worker.postMessage('checkpoint');
  };
  const died = () => {
    alive = false;
    release();
  };
  worker.on('error', died);
  worker.on('exit', died);
  // After a catch-up that could not catch up (a reader elsewhere holds an old snapshot), none before this.
  let retryAt = 0;
  worker.on('message', (m: [number, number] | null) => {
    busy = false;
    last = Date.now();
    if (m) [frames, checkpointed] = m;
    if (waiting.length === 0) return;
    // A checkpoint that began before the last commit: once more, now that the writes wait.
    if (m && commits !== commitsAtRun) return run();
    if (m && checkpointed >= frames) {
      // The writer's next write starts the WAL over.
      frames = checkpointed = 0;
    } else {
      retryAt = last + 1000;
    }
    release();
  });
  return {
    committed() {
      commits++;
      if (!alive || busy || Date.now() - last < restMs) return;
      run();
    },
    /** Whether the WAL is long and not all checkpointed (so the writer's next write would not start it over). */
    behind() {
      return alive && frames >= restartFrames && (checkpointed < frames || commits !== commitsAtRun) && Date.now() >= retryAt;
    },
    /**
     * Resolves once a checkpoint that began with no write pending has run (at most the one running
     * now and that one), or the checkpointer failed or died, or after 250 ms (a checkpoint stuck in
     * a slow fsync holds the writes no longer; the next try waits a second).
     */
    catchUp(): Promise<void> {
      return new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          retryAt = Date.now() + 1000;
          release();
        }, 250);
        waiting.push(() => {
          clearTimeout(timer);
          resolve();
        });
        if (!busy) run();
      });
    },
    async close() {
      if (!alive) return;
      const exited = new Promise((r) => worker.once('exit', r));
      // Held open until its connection is closed (unref'd, the wait would not keep the process up).
      worker.ref();
      worker.postMessage('close');
      await exited;
    },
  };
}
