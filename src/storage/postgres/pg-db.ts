import pg from 'pg';
import type { NotifyListener, SqlDb, SqlParam, SqlRunner, StoreCapabilities } from '../sql-db.js';
import { StoreUnavailable, isWeftError } from '../../core/errors.js';

export interface PgDbOptions {
  url: string;
  /** Schema to use (created if missing); default 'public'. Tests use a fresh one per run. */
  schema?: string;
  /** Default 10: enough for two cores; more connections only queue inside PostgreSQL. */
  poolSize?: number;
  /** Default QUERY_TIMEOUT_MS: how long a query may wait for its answer before it fails with 503. */
  queryTimeoutMs?: number;
}

// Default 30 s: a query with no answer by then fails (503 WEFT_STORE_UNAVAILABLE) and its connection
// is dropped. A connection that stops answering without closing (a network gone silent, a server
// frozen) held its requests forever, and a flow instance's later changes queued behind them. Far
// above any statement weft runs (they are indexed and bounded); a migration building an index on a
// very large table could come near it.
export const QUERY_TIMEOUT_MS = 30_000;

const CAPABILITIES: StoreCapabilities = Object.freeze({
  supportsSkipLocked: true,
  supportsListenNotify: true,
  singleNode: false,
  serialWriter: false,
});

// int8 (COUNT, BIGINT columns) as numbers: every value weft keeps there (ms timestamps, ids) fits a double.
const int8 = (v: string) => Number(v);
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === 20) return int8;
    return pg.types.getTypeParser(oid, format);
  },
};

const placeholderCache = new Map<string, string>();
/** `?` → `$n`. weft's SQL never holds a literal `?`. */
export function toPgPlaceholders(sql: string): string {
  let out = placeholderCache.get(sql);
  if (out === undefined) {
    let n = 0;
    out = sql.replace(/\?/g, () => `$${++n}`);
    placeholderCache.set(sql, out);
  }
  return out;
}

const CONNECTION_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', '57P01', '57P02', '57P03', '08000', '08003', '08006', '08001', '08004']);

// pg's words for a connection lost, one not given in time (the pool's checkout: "timeout exceeded
// when trying to connect"), and a query with no answer in time (query_timeout: "Query read timeout").
const CONNECTION_MESSAGES = /Connection terminated|connection timeout|Client has encountered a connection error|timeout exceeded when trying to connect|Query read timeout/i;

/** A lost, refused or silent connection becomes a 503 the client may retry; anything else is passed on. */
export function mapPgError(err: unknown): unknown {
  const e = err as { code?: string; message?: string };
  if (e && (CONNECTION_ERRORS.has(e.code ?? '') || CONNECTION_MESSAGES.test(e.message ?? ''))) {
    return StoreUnavailable({ cause: err, retryable: true });
  }
  return err;
}

/**
 * A parameter as a quoted literal, for a statement sent over the simple protocol. Every value is
 * quoted (numbers too), so that PostgreSQL types it from its context as it does an untyped `$n`.
 */
function literal(client: pg.PoolClient, v: SqlParam | undefined): string {
  if (v === null || v === undefined) return 'NULL';
  if (Buffer.isBuffer(v)) return client.escapeLiteral(`\\x${v.toString('hex')}`);
  return client.escapeLiteral(String(v));
}

/** `?` → the parameters as literals. weft's SQL never holds a literal `?`. */
export function inlineParams(client: pg.PoolClient, sql: string, params: readonly SqlParam[]): string {
  let i = 0;
  return sql.replace(/\?/g, () => literal(client, params[i++]));
}

// Default 256: statements kept prepared on one connection; beyond, the least recently used is deallocated.
export const PREPARED_PER_CONNECTION = 256;
// Only these can be PREPAREd (DDL, SET, NOTIFY and the like run as they are).
const PREPARABLE = /^\s*(SELECT|INSERT|UPDATE|DELETE|WITH|VALUES)\b/i;

/** The statements prepared on one connection, by text, least recently used first; names are never reused. */
interface ConnectionStatements {
  names: Map<string, string>;
  next: number;
  /**
   * A query that prepared failed: which of its PREPAREs ran is unknown (PREPARE outlives a
   * rollback), so the next query starts with DEALLOCATE ALL and prepares afresh.
   */
  unsure: boolean;
}
const preparedOn = new WeakMap<pg.PoolClient, ConnectionStatements>();

/** A simple-protocol query running statements, and which of its results are theirs. */
interface Composed {
  text: string;
  /** The index, in the query's results, of each statement's result. */
  results: number[];
  /** Whether this query prepares a statement (or deallocates one). */
  preparing: boolean;
  statements: ConnectionStatements;
}

/**
 * Statements as one simple-protocol query (BEGIN first when asked). PERF: PostgreSQL spent about
 * 40% of its CPU parsing and planning weft's statements again on every run: each is now PREPAREd
 * on the connection the first time it runs there (in the same round trip) and EXECUTEd with its
 * parameters as quoted literals, typed by the prepared statement as an untyped `$n` would be.
 */
function compose(client: pg.PoolClient, statements: ReadonlyArray<readonly [string, readonly SqlParam[]]>, begin: boolean): Composed {
  let known = preparedOn.get(client);
  if (!known) preparedOn.set(client, (known = { names: new Map(), next: 0, unsure: false }));
  const parts: string[] = begin ? ['BEGIN'] : [];
  let preparing = false;
  if (known.unsure) {
    parts.push('DEALLOCATE ALL');
    known.names.clear();
    known.unsure = false;
    preparing = true;
  }
  const results: number[] = [];
  for (const [sql, params] of statements) {
    if (!PREPARABLE.test(sql) || sql.includes(';')) {
      results.push(parts.length);
      parts.push(inlineParams(client, sql, params));
      continue;
    }
    let name = known.names.get(sql);
    if (name === undefined) {
      if (known.names.size >= PREPARED_PER_CONNECTION) {
        const [oldest, oldName] = known.names.entries().next().value as [string, string];
        known.names.delete(oldest);
        parts.push(`DEALLOCATE ${oldName}`);
      }
      name = `weft_${known.next++}`;
      parts.push(`PREPARE ${name} AS ${toPgPlaceholders(sql)}`);
      preparing = true;
    } else known.names.delete(sql);
    // Most recently used last.
    known.names.set(sql, name);
    results.push(parts.length);
    parts.push(params.length === 0 ? `EXECUTE ${name}` : `EXECUTE ${name}(${params.map((v) => literal(client, v)).join(', ')})`);
  }
  return { text: parts.join('; '), results, preparing, statements: known };
}

/** Runs composed statements on a connection, then `tail` (statements whose results are not wanted) in the same round trip; their results, in order. */
async function runComposed(client: pg.PoolClient, statements: ReadonlyArray<readonly [string, readonly SqlParam[]]>, begin: boolean, tail = ''): Promise<pg.QueryResult[]> {
  const q = compose(client, statements, begin);
  let out: pg.QueryResult | pg.QueryResult[];
  try {
    out = (await client.query(tail ? `${q.text}; ${tail}` : q.text)) as unknown as pg.QueryResult | pg.QueryResult[];
  } catch (err) {
    if (q.preparing) q.statements.unsure = true;
    throw mapPgError(err);
  }
  const all = Array.isArray(out) ? out : [out];
  return q.results.map((i) => all[i]);
}

/**
 * Runs statements on a transaction's connection, or (no transaction) on one taken from the pool
 * for them. In a transaction, the BEGIN is not sent on its own: PERF: it goes with the first
 * statements, in one round trip, so a transaction of n statements costs n + 1 round trips with its
 * COMMIT, not n + 2.
 */
function runnerFor(pool: pg.Pool, tx: Tx | null, channel: string): SqlRunner {
  async function run(statements: ReadonlyArray<readonly [string, readonly SqlParam[]]>, commit = false): Promise<pg.QueryResult[]> {
    if (tx) {
      if (tx.committed) throw new Error('the transaction has committed (finish ran)');
      const begin = !tx.begun;
      tx.begun = true;
      if (!commit) return runComposed(tx.client, statements, begin);
      tx.committed = true;
      const tail = commitText(tx.client, channel, tx.notes);
      tx.notes.clear();
      return runComposed(tx.client, statements, begin, tail);
    }
    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (err) {
      throw mapPgError(err);
    }
    let broken = false;
    const onError = () => (broken = true);
    client.on('error', onError);
    try {
      return await runComposed(client, statements, false);
    } catch (err) {
      // A lost connection (mapPgError made it a StoreUnavailable) is not put back in the pool.
      if (isWeftError(err)) broken = true;
      throw err;
    } finally {
      client.off('error', onError);
      client.release(broken);
    }
  }
  return {
    notify(event, payload) {
      const text = JSON.stringify({ e: event, p: payload });
      if (tx) tx.notes.add(text);
      else pool.query('SELECT pg_notify($1, $2)', [channel, text]).catch(() => {});
    },
    async query<T>(sql: string, params: readonly SqlParam[] = []): Promise<T[]> {
      return (await run([[sql, params]]))[0].rows as T[];
    },
    async exec(sql: string, params: readonly SqlParam[] = []): Promise<number> {
      return (await run([[sql, params]]))[0].rowCount ?? 0;
    },
    async queryMany(statements) {
      // Outside a transaction: SqlDb.queryMany, which opens one.
      if (!tx) throw new Error('queryMany runs in a transaction');
      if (statements.length === 0) return [];
      return (await run(statements)).map((r) => r.rows);
    },
    async finish(statements) {
      if (!tx) throw new Error('finish runs in a transaction');
      return (await run(statements, true)).map((r) => r.rows);
    },
  };
}

/** A transaction's connection and its state. */
interface Tx {
  client: pg.PoolClient;
  /** Notifications to send with the COMMIT. */
  notes: Set<string>;
  /** Whether the BEGIN has been sent. */
  begun: boolean;
  /** Whether the COMMIT has been sent (finish). */
  committed: boolean;
}

/**
 * A transaction's notifications, then its COMMIT: NOTIFY inside the transaction, so PostgreSQL
 * delivers it at commit, in commit order, to every node. PERF: the notifications together in as
 * few NOTIFYs as their size allows (NOTIFY rather than SELECT pg_notify: no result set to describe
 * and parse), sent with the COMMIT in one simple-protocol round trip (literals escaped by pg).
 */
function commitText(client: pg.PoolClient, channel: string, notes: ReadonlySet<string>, commit = true): string {
  return packNotes([...notes])
    .map((n) => `NOTIFY ${quoteIdent(channel)}, ${client.escapeLiteral(n)};`)
    .concat(commit ? ['COMMIT'] : [])
    .join(' ');
}

// Default 7,900 bytes per NOTIFY payload: PostgreSQL refuses 8,000 and more.
const MAX_NOTIFY_BYTES = 7900;

/**
 * A transaction's notifications (each `{"e","p"}` JSON, distinct: PostgreSQL would deliver identical
 * ones once) as NOTIFY payloads: one alone as it is, several as a JSON array of them, each payload
 * within PostgreSQL's size limit. PERF: one NOTIFY per commit instead of one per notification, for
 * the sender's statements and for every listening node.
 */
export function packNotes(notes: readonly string[]): string[] {
  const out: string[] = [];
  let group: string[] = [];
  let bytes = 2;
  const flush = () => {
    if (group.length > 0) out.push(group.length === 1 ? group[0] : `[${group.join(',')}]`);
    group = [];
    bytes = 2;
  };
  for (const note of notes) {
    const size = Buffer.byteLength(note) + 1;
    if (bytes + size > MAX_NOTIFY_BYTES) flush();
    group.push(note);
    bytes += size;
  }
  flush();
  return out;
}

export function quoteIdent(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`invalid schema name: ${name}`);
  return `"${name}"`;
}

export async function createPgDb(opts: PgDbOptions): Promise<SqlDb> {
  const schema = opts.schema ?? 'public';
  const pool = new pg.Pool({
    connectionString: opts.url,
    max: opts.poolSize ?? 10,
    types,
    // Default 5 s: a request waiting longer for a connection fails with 503 rather than hanging.
    connectionTimeoutMillis: 5000,
    query_timeout: opts.queryTimeoutMs ?? QUERY_TIMEOUT_MS,
    // TCP keepalive: a peer gone without a word is noticed by the OS too, not only by a timeout.
    keepAlive: true,
    options: `-c search_path=${quoteIdent(schema)}`,
  });
  // An idle client losing its connection (PostgreSQL restarting) must not crash the process.
  pool.on('error', () => {});
  try {
    // IF NOT EXISTS is no guard against another node creating it at the same moment (a unique
    // violation in the catalogue): nodes starting together take turns under an advisory lock.
    await pool.query(`DO $$ BEGIN PERFORM pg_advisory_xact_lock(727273); CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}; END $$`);
  } catch (err) {
    await pool.end().catch(() => {});
    throw mapPgError(err);
  }
  // One channel per schema: two weft installations (or test runs) in one database never hear each other.
  const channel = `weft_${schema}`;
  const base = runnerFor(pool, null, channel);
  const listeners = new Set<NotifyListener>();
  const listener = createListener(opts.url, channel, listeners);
  // LISTEN before serving, so that no change committed after start goes unheard.
  await listener.start();

  async function transaction<T>(fn: (tx: SqlRunner) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (err) {
      throw mapPgError(err);
    }
    let broken = false;
    // A checked-out client that loses its connection emits 'error'; unheard, it would end the process.
    const onError = () => (broken = true);
    client.on('error', onError);
    try {
      const tx: Tx = { client, notes: new Set<string>(), begun: false, committed: false };
      const value = await fn(runnerFor(pool, tx, channel));
      // A transaction that ran no statement has nothing to commit, nor one that finish committed:
      // its notifications (those added after finish) go alone.
      if (tx.begun && !tx.committed) await client.query(commitText(client, channel, tx.notes));
      else if (tx.notes.size > 0) await client.query(commitText(client, channel, tx.notes, false));
      return value;
    } catch (err) {
      const mapped = mapPgError(err);
      // A connection lost or silent gets no ROLLBACK (a silent one would hold it for another
      // timeout): dropped, its transaction ends with it.
      if (isWeftError(mapped) && mapped.code === StoreUnavailable.code) broken = true;
      else {
        try {
          await client.query('ROLLBACK');
        } catch {
          broken = true;
        }
      }
      throw mapped;
    } finally {
      client.off('error', onError);
      client.release(broken);
    }
  }

  return {
    dialect: 'postgres',
    capabilities: CAPABILITIES,
    skipLocked: ' FOR UPDATE SKIP LOCKED',
    forUpdate: ' FOR UPDATE',
    byCodePoint: ' COLLATE "C"',
    query: base.query,
    exec: base.exec,
    queryMany: (statements) => transaction((tx) => tx.queryMany(statements)),
    finish: (statements) => transaction((tx) => tx.finish(statements)),
    notify: base.notify,
    onNotify(l) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    transaction,
    async close() {
      await listener.stop();
      await pool.end();
    },
  };
}

// Default 1 s between reconnect attempts of the LISTEN connection (PostgreSQL restarting).
const LISTEN_RETRY_MS = 1000;

/**
 * One dedicated connection LISTENs for the schema's channel and hands notifications to the
 * listeners. It reconnects by itself; after a reconnect it announces `store:reconnected` so that
 * consumers can resynchronise (notifications sent while it was away are lost — they are hints,
 * the database is the truth).
 */
function createListener(url: string, channel: string, listeners: Set<NotifyListener>) {
  let client: pg.Client | null = null;
  let started = false;
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let connectedOnce = false;

  const emit = (event: string, payload: unknown) => {
    for (const l of listeners) {
      try {
        l(event, payload);
      } catch {
        // a listener's failure is its own
      }
    }
  };

  async function connect() {
    if (stopped) return;
    const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000, keepAlive: true });
    c.on('error', () => {});
    c.on('end', () => {
      if (client === c) client = null;
      retry();
    });
    c.on('notification', (msg) => {
      if (msg.channel !== channel || !msg.payload) return;
      try {
        // One notification, or a transaction's several (packNotes).
        const parsed = JSON.parse(msg.payload) as { e: string; p: unknown } | Array<{ e: string; p: unknown }>;
        for (const { e, p } of Array.isArray(parsed) ? parsed : [parsed]) emit(e, p);
      } catch {
        // not ours
      }
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${quoteIdent(channel)}`);
      if (stopped) {
        await c.end();
        return;
      }
      client = c;
      if (connectedOnce) emit('store:reconnected', {});
      connectedOnce = true;
    } catch {
      await c.end().catch(() => {});
      retry();
    }
  }

  function retry() {
    if (stopped || timer) return;
    timer = setTimeout(() => {
      timer = null;
      void connect();
    }, LISTEN_RETRY_MS);
  }

  return {
    /** Connects (once); resolves when LISTEN is in place or the first attempt failed. */
    start(): Promise<void> {
      if (started) return Promise.resolve();
      started = true;
      return connect();
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      const c = client;
      client = null;
      if (c) await c.end().catch(() => {});
    },
  };
}
