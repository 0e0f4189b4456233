import type { NotifyListener, SqlDb, StoreCapabilities } from './sql-db.js';
import { createSqliteDb } from './sqlite/sqlite-db.js';
import { migrate } from './migrator.js';
import { createAuthStore, type AuthStore } from './auth-store.js';
import { createTaskStore, type TaskStore } from './task-store.js';
import { createNodeStore, type NodeStore } from './node-store.js';
import { createStatsStore, type StatsStore } from './stats-store.js';
import { createFlowStore, type FlowStore } from './flow-store.js';
import { createProcessStore, type ProcessStore } from './process-store.js';
import { createEndpointStore, type EndpointStore } from './endpoint-store.js';

/**
 * The store: domain operations per capability, one implementation written against the SQL
 * executor, run on SQLite (default) or PostgreSQL. No connection type leaks out of src/storage.
 */
export interface Store {
  readonly dialect: 'sqlite' | 'postgres';
  readonly capabilities: StoreCapabilities;
  readonly auth: AuthStore;
  readonly tasks: TaskStore;
  readonly nodes: NodeStore;
  readonly stats: StatsStore;
  readonly flows: FlowStore;
  readonly processes: ProcessStore;
  readonly endpoints: EndpointStore;
  /** Applies pending migrations; resolves to the versions applied. */
  migrate(): Promise<number[]>;
  /** Liveness probe for /healthz. */
  ping(): Promise<void>;
  /** Every notification any node's transactions sent (tx.notify), after commit, in commit order. */
  onNotify(listener: NotifyListener): () => void;
  /** Sends a notification on its own, delivered behind every change already committed. */
  notify(event: string, payload: unknown): void;
  close(): Promise<void>;
}

export interface StoreOptions {
  /** postgres://… selects PostgreSQL; otherwise SQLite at `sqliteFile`. */
  databaseUrl?: string | null;
  sqliteFile?: string;
  sqliteSynchronous?: 'FULL' | 'NORMAL';
  pgSchema?: string;
  pgPoolSize?: number;
  /** This node's name, carried by the notifications of what it committed (e.g. metrics count only their own). */
  nodeId?: string;
}

export function isPostgresUrl(url: string | null | undefined): url is string {
  return typeof url === 'string' && /^postgres(ql)?:\/\//.test(url);
}

export function assembleStore(db: SqlDb, nodeId: string | null = null): Store {
  return {
    dialect: db.dialect,
    capabilities: db.capabilities,
    auth: createAuthStore(db),
    tasks: createTaskStore(db, nodeId),
    nodes: createNodeStore(db),
    stats: createStatsStore(db),
    flows: createFlowStore(db),
    processes: createProcessStore(db),
    endpoints: createEndpointStore(db),
    migrate: () => migrate(db),
    async ping() {
      await db.query('SELECT 1 AS ok');
    },
    onNotify: (listener) => db.onNotify(listener),
    notify: (event, payload) => db.notify(event, payload),
    close: () => db.close(),
  };
}

/** PostgreSQL's driver is loaded only when a postgres:// URL asks for it. */
export async function createStore(opts: StoreOptions): Promise<Store> {
  const db = isPostgresUrl(opts.databaseUrl)
    ? await (await import('./postgres/pg-db.js')).createPgDb({ url: opts.databaseUrl, schema: opts.pgSchema, poolSize: opts.pgPoolSize })
    : createSqliteDb({ filename: opts.sqliteFile ?? './data/weft.db', synchronous: opts.sqliteSynchronous });
  return assembleStore(db, opts.nodeId ?? null);
}
