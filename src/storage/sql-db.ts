// The SQL executor the stores are written against. It stays inside src/storage: the rest of
// weft sees only domain operations (DESIGN convention 4). SQL is written once with `?`
// placeholders in the common subset of SQLite and PostgreSQL; dialect differences are named
// capability flags, never `if (sqlite)`.

export interface StoreCapabilities {
  /** Claims use `FOR UPDATE SKIP LOCKED` (PostgreSQL) — several nodes can claim at once. */
  readonly supportsSkipLocked: boolean;
  /** LISTEN/NOTIFY can wake other nodes (PostgreSQL). */
  readonly supportsListenNotify: boolean;
  /** Only one process can use the database (SQLite file): at start, work held by any earlier run is orphaned. */
  readonly singleNode: boolean;
  /**
   * One writer: transactions run one at a time, in the order they were issued (SQLite), so a
   * transaction issued after another sees its changes even before that one's caller is answered.
   */
  readonly serialWriter: boolean;
}

export type SqlParam = string | number | null | boolean | bigint | Buffer;

export interface SqlRunner {
  /** Rows of a SELECT or of a statement with RETURNING. */
  query<T = Record<string, unknown>>(sql: string, params?: readonly SqlParam[]): Promise<T[]>;
  /** Executes a statement; resolves to the number of rows changed. */
  exec(sql: string, params?: readonly SqlParam[]): Promise<number>;
  /**
   * Runs statements one after another and resolves to the rows of each. PERF: on PostgreSQL, in a
   * transaction, they travel together in one round trip (each still sees what the ones before it
   * did, and what other transactions committed before it started); elsewhere one by one.
   */
  queryMany(statements: ReadonlyArray<readonly [sql: string, params: readonly SqlParam[]]>): Promise<Array<Array<Record<string, unknown>>>>;
  /**
   * A transaction's last statements: queryMany, after which the transaction runs no other statement
   * (notifications may still be added). PERF: on PostgreSQL they travel with the transaction's
   * notifications and its COMMIT in one round trip, so a lock they take is held for their own time
   * and the commit's, not for a round trip to this process and its turn of the event loop as well.
   * Elsewhere it is queryMany (the commit comes when fn returns).
   */
  finish(statements: ReadonlyArray<readonly [sql: string, params: readonly SqlParam[]]>): Promise<Array<Array<Record<string, unknown>>>>;
  /**
   * Announces a change to every node (this one included) once the transaction commits, in commit
   * order; dropped if it rolls back. On PostgreSQL this is NOTIFY (payload at most ~7 KB of JSON),
   * on SQLite a local delivery after the COMMIT.
   */
  notify(event: string, payload: unknown): void;
}

export type NotifyListener = (event: string, payload: unknown) => void;

export interface SqlDb extends SqlRunner {
  readonly dialect: 'sqlite' | 'postgres';
  readonly capabilities: StoreCapabilities;
  /**
   * Runs fn in one transaction. fn must not wait on anything but its own queries (no network,
   * no timers): on SQLite transactions are serialised and may be grouped into one commit.
   * Resolves only after the commit.
   */
  transaction<T>(fn: (tx: SqlRunner) => Promise<T>): Promise<T>;
  /** ` FOR UPDATE SKIP LOCKED` where supported, else empty (SQLite has one writer anyway). */
  readonly skipLocked: string;
  /** ` FOR UPDATE` where supported, else empty. */
  readonly forUpdate: string;
  /**
   * ` COLLATE "C"` on PostgreSQL, else empty: text ordered by its code points, as SQLite orders it,
   * whatever collation the database was created with (en_US or ICU put `a_b` before `a-b` and `Z`
   * after `z`), so that lists come back in the same order on both backends.
   */
  readonly byCodePoint: string;
  /** Receives every notification committed by any node, in commit order. */
  onNotify(listener: NotifyListener): () => void;
  close(): Promise<void>;
}

/** `?, ?, …` for n parameters (an IN list, a VALUES row). */
export const marks = (n: number) => Array.from({ length: n }, () => '?').join(', ');

/** Parses a JSON text column; null stays null. */
export function parseJson<T = unknown>(text: unknown): T | null {
  if (text === null || text === undefined) return null;
  return JSON.parse(String(text)) as T;
}

export function toJson(value: unknown): string | null {
  return value === undefined ? null : JSON.stringify(value);
}
