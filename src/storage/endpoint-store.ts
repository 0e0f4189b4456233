import type { SqlDb, SqlParam, SqlRunner } from './sql-db.js';
import { parseJson, toJson } from './sql-db.js';
import type { EndpointDefinition, StateConfig, StateRecord } from '../core/endpoint/index.js';

// Endpoint definitions (one row per endpoint, unique name per workspace) and their append-only
// state records. The state.config filters run in SQL on two copied columns (lookup_status,
// network_error); pruning keeps every record any filter could still pick (see saveState). Every
// change of a definition sends `endpoint:changed` {ws, id} (after commit, on every node), which
// is what in-memory copies of routes and definitions are invalidated by.

export interface StoredEndpoint {
  id: string;
  ws: number;
  definition: EndpointDefinition;
  /** Grows by one on every update. */
  version: number;
  createdAt: number;
  updatedAt: number;
}

/** What serving needs to pick an endpoint, without reading definitions. */
export interface EndpointRoute {
  id: string;
  ws: number;
  version: number;
  isPublic: boolean;
  createdAt: number;
  endpoint: { pattern: string; method: string };
}

export type EndpointCheck = { ok: true; definition: EndpointDefinition } | { ok: false; reason: string };
export type EndpointWriteResult = { ok: true; endpoint: StoredEndpoint } | { ok: false; reason: string };

export interface EndpointStore {
  /**
   * Inserts the definition `check` returns, given the workspace's other endpoints; the check and the
   * insert are atomic per workspace (concurrent writers to one workspace take turns).
   */
  create(ws: number, id: string, now: number, check: (others: StoredEndpoint[]) => EndpointCheck): Promise<EndpointWriteResult>;
  /** As create, for an existing endpoint: null when it does not exist in the workspace. */
  update(ws: number, id: string, now: number, check: (current: StoredEndpoint, others: StoredEndpoint[]) => EndpointCheck): Promise<EndpointWriteResult | null>;
  get(ws: number, id: string): Promise<StoredEndpoint | null>;
  /** By id alone, for serving after a route was picked. */
  byId(id: string): Promise<StoredEndpoint | null>;
  /** Oldest first. */
  list(ws: number): Promise<StoredEndpoint[]>;
  /** Deletes the endpoint and its state records; false when it did not exist. */
  remove(ws: number, id: string): Promise<boolean>;
  /** The routes of `method` in workspace `workspace` of key `keyId`, oldest first. */
  routes(keyId: string, workspace: string, method: string): Promise<EndpointRoute[]>;
  /** Public routes of `method` in every unrevoked key's workspace named `workspace`, oldest first. */
  publicRoutes(workspace: string, method: string): Promise<EndpointRoute[]>;
  /** The newest state record that passes `config`, or null. */
  latestState(endpointId: string, config: StateConfig): Promise<StateRecord | null>;
  /**
   * Appends a record (nothing when the endpoint is gone); every STATE_PRUNE_EVERY-th save of an
   * endpoint on this node (the first included) prunes old records in the same transaction.
   */
  saveState(endpointId: string, record: StateRecord, now: number): Promise<void>;
  /** Records kept for an endpoint (tests, operations). */
  countStates(endpointId: string): Promise<number>;
}

// Default 100: state records kept per endpoint beyond the newest of each (network error, status) pair.
export const STATE_RECORDS_KEPT = 100;
// Default 100: the prune scans the endpoint's records (~100 µs on SQLite), so it runs on one save in
// 100 (per node): at most KEPT + 100 × nodes records (plus the newest per pair) between prunes. PERF:
// one in 25 cost ~2 µs more a request (the endpoint service in process, 30-32.5 against 32.5-33.5).
export const STATE_PRUNE_EVERY = 100;

interface DbEndpoint {
  id: string;
  ws: number;
  definition: string;
  version: number;
  created_at: number;
  updated_at: number;
}

interface DbRoute {
  id: string;
  ws: number;
  version: number;
  public: number;
  created_at: number;
  pattern: string;
  method: string;
}

const COLUMNS = 'id, ws, definition, version, created_at, updated_at';
const ROUTE_COLUMNS = 'e.id, e.ws, e.version, e.public, e.created_at, e.pattern, e.method';

const toEndpoint = (r: DbEndpoint): StoredEndpoint => ({
  id: r.id,
  ws: Number(r.ws),
  definition: parseJson<EndpointDefinition>(r.definition)!,
  version: Number(r.version),
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at),
});

const toRoute = (r: DbRoute): EndpointRoute => ({
  id: r.id,
  ws: Number(r.ws),
  version: Number(r.version),
  isPublic: Number(r.public) === 1,
  createdAt: Number(r.created_at),
  endpoint: { pattern: r.pattern, method: r.method },
});

/**
 * The WHERE clause of state.config: networkErrors include/exclude, and includeStatuses (no entries or
 * `*` passes everything; otherwise a record without a status never passes) — as stateRecordPasses.
 */
export function stateFilterSql(config: Partial<StateConfig> | undefined): { sql: string; params: SqlParam[] } {
  const parts: string[] = [];
  const params: SqlParam[] = [];
  if (config?.networkErrors === 'include') parts.push('network_error = 1');
  if (config?.networkErrors === 'exclude') parts.push('network_error = 0');
  const statuses = (config?.includeStatuses ?? []).map(String);
  if (statuses.length > 0 && !statuses.includes('*')) {
    const any: string[] = [];
    for (const s of statuses) {
      if (/^[1-5]xx$/.test(s)) {
        any.push('(lookup_status >= ? AND lookup_status < ?)');
        params.push(Number(s[0]) * 100, Number(s[0]) * 100 + 100);
      } else {
        any.push('lookup_status = ?');
        params.push(Number(s));
      }
    }
    parts.push(`(${any.join(' OR ')})`);
  }
  return { sql: parts.map((p) => ` AND ${p}`).join(''), params };
}

/** stateFilterSql's WHERE clause over a record's two columns, in memory. */
export function stateFilterPasses(config: Partial<StateConfig> | undefined, status: number | null, networkError: 0 | 1): boolean {
  if (config?.networkErrors === 'include' && networkError !== 1) return false;
  if (config?.networkErrors === 'exclude' && networkError !== 0) return false;
  const statuses = (config?.includeStatuses ?? []).map(String);
  if (statuses.length === 0 || statuses.includes('*')) return true;
  if (status === null) return false;
  return statuses.some((s) => (/^[1-5]xx$/.test(s) ? status >= Number(s[0]) * 100 && status < Number(s[0]) * 100 + 100 : status === Number(s)));
}

// Default 1000: endpoints whose newest state records are kept in memory (single node only).
const LATEST_STATE_ENDPOINTS = 1000;
// Default 16 KiB: a larger record is not kept in memory; its id is, and it is read by id.
const LATEST_STATE_MAX_CHARS = 16384;

/** The newest record of one (network error, status) pair of an endpoint. */
interface PairHead {
  id: number;
  status: number | null;
  networkError: 0 | 1;
  /** The record's JSON, or null when it is too large to keep (then read by id). */
  text: string | null;
}

/**
 * PERF, single node only (SQLite: no other process writes): the newest record of each (network error,
 * status) pair of an endpoint — which is where the newest record passing any state.config is, and
 * what pruning never deletes — so that reading the state takes no statement. Filled once per
 * endpoint from the database, then kept up to date by the saves committed here; both merge by id,
 * so a save committed while the first read runs is never lost.
 */
function createLatestStates(db: SqlDb) {
  type Entry = { heads: Map<string, PairHead>; ready: Promise<void> | null };
  const endpoints = new Map<string, Entry>();
  const merge = (heads: Map<string, PairHead>, head: PairHead) => {
    const key = `${head.networkError}:${head.status}`;
    const current = heads.get(key);
    if (!current || current.id < head.id) heads.set(key, head);
  };
  function load(endpointId: string): Entry {
    if (endpoints.size >= LATEST_STATE_ENDPOINTS) endpoints.delete(endpoints.keys().next().value as string);
    const entry: Entry = { heads: new Map(), ready: null };
    endpoints.set(endpointId, entry);
    entry.ready = db
      .query<{ id: number; lookup_status: number | null; network_error: number; record: string }>(
        `SELECT id, lookup_status, network_error, record FROM endpoint_states
         WHERE id IN (SELECT MAX(id) FROM endpoint_states WHERE endpoint = ? GROUP BY network_error, lookup_status)`,
        [endpointId],
      )
      .then(
        (rows) => {
          for (const r of rows) {
            const text = r.record.length <= LATEST_STATE_MAX_CHARS ? r.record : null;
            const status = r.lookup_status === null ? null : Number(r.lookup_status);
            merge(entry.heads, { id: Number(r.id), status, networkError: Number(r.network_error) === 1 ? 1 : 0, text });
          }
          entry.ready = null;
        },
        (err) => {
          if (endpoints.get(endpointId) === entry) endpoints.delete(endpointId);
          throw err;
        },
      );
    return entry;
  }
  return {
    async latest(endpointId: string, config: StateConfig): Promise<StateRecord | null> {
      let entry = endpoints.get(endpointId);
      // An entry evicted while its first read ran misses the saves since: use the one in the map.
      while (!entry || entry.ready) {
        entry ??= load(endpointId);
        await entry.ready;
        entry = endpoints.get(endpointId);
      }
      let best: PairHead | null = null;
      for (const head of entry.heads.values()) {
        if ((!best || head.id > best.id) && stateFilterPasses(config, head.status, head.networkError)) best = head;
      }
      if (!best) return null;
      if (best.text !== null) return JSON.parse(best.text) as StateRecord;
      const rows = await db.query<{ record: string }>('SELECT record FROM endpoint_states WHERE id = ?', [best.id]);
      return rows.length ? parseJson<StateRecord>(rows[0].record) : null;
    },
    /** After the commit of a saved record. */
    saved(endpointId: string, head: PairHead) {
      const entry = endpoints.get(endpointId);
      if (entry) merge(entry.heads, head.text !== null && head.text.length > LATEST_STATE_MAX_CHARS ? { ...head, text: null } : head);
    },
    /** After the commit that deleted the endpoint's records. */
    removed(endpointId: string) {
      endpoints.delete(endpointId);
    },
  };
}

export function createEndpointStore(db: SqlDb): EndpointStore {
  const savesSincePrune = new Map<string, number>();
  const latestStates = db.capabilities.singleNode ? createLatestStates(db) : null;
  async function lockWorkspace(tx: SqlRunner, ws: number) {
    // PostgreSQL: writers to one workspace take turns, so the duplicate checks see every committed endpoint.
    await tx.query(`SELECT pk FROM workspaces WHERE pk = ?${db.forUpdate}`, [ws]);
  }
  async function inWorkspace(tx: SqlRunner, ws: number): Promise<StoredEndpoint[]> {
    return (await tx.query<DbEndpoint>(`SELECT ${COLUMNS} FROM endpoints WHERE ws = ? ORDER BY created_at, id`, [ws])).map(toEndpoint);
  }
  const row = (d: EndpointDefinition) => [d.name, d.endpoint.method, d.endpoint.pattern, d.public === true ? 1 : 0, toJson(d)!] as const;

  return {
    async create(ws, id, now, check) {
      return db.transaction(async (tx) => {
        await lockWorkspace(tx, ws);
        const result = check(await inWorkspace(tx, ws));
        if (!result.ok) return result;
        await tx.exec(
          'INSERT INTO endpoints (id, ws, name, method, pattern, public, definition, version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?)',
          [id, ws, ...row(result.definition), now, now],
        );
        tx.notify('endpoint:changed', { ws, id });
        return { ok: true as const, endpoint: { id, ws, definition: result.definition, version: 1, createdAt: now, updatedAt: now } };
      });
    },

    async update(ws, id, now, check) {
      return db.transaction(async (tx) => {
        await lockWorkspace(tx, ws);
        const all = await inWorkspace(tx, ws);
        const current = all.find((e) => e.id === id);
        if (!current) return null;
        const result = check(current, all.filter((e) => e.id !== id));
        if (!result.ok) return result;
        const version = current.version + 1;
        // updated_at never goes backwards, even when clocks of several nodes disagree.
        const updatedAt = Math.max(now, current.updatedAt);
        await tx.exec('UPDATE endpoints SET name = ?, method = ?, pattern = ?, public = ?, definition = ?, version = ?, updated_at = ? WHERE id = ?', [
          ...row(result.definition),
          version,
          updatedAt,
          id,
        ]);
        tx.notify('endpoint:changed', { ws, id });
        return { ok: true as const, endpoint: { ...current, definition: result.definition, version, updatedAt } };
      });
    },

    async get(ws, id) {
      const rows = await db.query<DbEndpoint>(`SELECT ${COLUMNS} FROM endpoints WHERE ws = ? AND id = ?`, [ws, id]);
      return rows.length ? toEndpoint(rows[0]) : null;
    },

    async byId(id) {
      const rows = await db.query<DbEndpoint>(`SELECT ${COLUMNS} FROM endpoints WHERE id = ?`, [id]);
      return rows.length ? toEndpoint(rows[0]) : null;
    },

    async list(ws) {
      return (await db.query<DbEndpoint>(`SELECT ${COLUMNS} FROM endpoints WHERE ws = ? ORDER BY created_at, id`, [ws])).map(toEndpoint);
    },

    async remove(ws, id) {
      const removed = await db.transaction(async (tx) => {
        const found = await tx.query('SELECT id FROM endpoints WHERE ws = ? AND id = ?', [ws, id]);
        if (found.length === 0) return false;
        await tx.exec('DELETE FROM endpoint_states WHERE endpoint = ?', [id]);
        await tx.exec('DELETE FROM endpoints WHERE id = ?', [id]);
        tx.notify('endpoint:changed', { ws, id });
        return true;
      });
      if (removed) latestStates?.removed(id);
      return removed;
    },

    async routes(keyId, workspace, method) {
      const rows = await db.query<DbRoute>(
        `SELECT ${ROUTE_COLUMNS} FROM endpoints e JOIN workspaces w ON w.pk = e.ws
         WHERE w.key_id = ? AND w.name = ? AND e.method = ? ORDER BY e.created_at, e.id`,
        [keyId, workspace, method],
      );
      return rows.map(toRoute);
    },

    async publicRoutes(workspace, method) {
      const rows = await db.query<DbRoute>(
        `SELECT ${ROUTE_COLUMNS} FROM endpoints e JOIN workspaces w ON w.pk = e.ws JOIN api_keys k ON k.id = w.key_id
         WHERE e.method = ? AND e.public = 1 AND w.name = ? AND k.revoked_at IS NULL ORDER BY e.created_at, e.id`,
        [method, workspace],
      );
      return rows.map(toRoute);
    },

    async latestState(endpointId, config) {
      if (latestStates) return latestStates.latest(endpointId, config);
      const filter = stateFilterSql(config);
      const rows = await db.query<{ record: string }>(
        `SELECT record FROM endpoint_states WHERE endpoint = ?${filter.sql} ORDER BY id DESC LIMIT 1`,
        [endpointId, ...filter.params],
      );
      return rows.length ? parseJson<StateRecord>(rows[0].record) : null;
    },

    async saveState(endpointId, record, now) {
      const status = typeof record.lookupHttpStatus === 'number' ? record.lookupHttpStatus : null;
      const networkError = record.lookupNetworkError === true ? 1 : 0;
      // Serialised now: the record may change after the call returns, the row must not.
      const text = toJson(record)!;
      const saves = savesSincePrune.get(endpointId) ?? 0;
      const prune = saves % STATE_PRUNE_EVERY === 0;
      savesSincePrune.set(endpointId, saves + 1);
      const id = await db.transaction(async (tx) => {
        const inserted = await tx.query<{ id: number }>(
          `INSERT INTO endpoint_states (endpoint, lookup_status, network_error, record, created_at)
           SELECT ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM endpoints WHERE id = ?) RETURNING id`,
          [endpointId, status, networkError, text, now, endpointId],
        );
        if (inserted.length === 0) return null;
        if (!prune) return Number(inserted[0].id);
        // Older than the newest STATE_RECORDS_KEPT, except the newest record of each (network error,
        // status) pair: the newest record passing any state.config filter is always one of those.
        await tx.exec(
          `DELETE FROM endpoint_states WHERE endpoint = ?
             AND id < (SELECT id FROM endpoint_states WHERE endpoint = ? ORDER BY id DESC LIMIT 1 OFFSET ?)
             AND id NOT IN (SELECT MAX(id) FROM endpoint_states WHERE endpoint = ? GROUP BY network_error, lookup_status)`,
          [endpointId, endpointId, STATE_RECORDS_KEPT - 1, endpointId],
        );
        return Number(inserted[0].id);
      });
      if (id !== null) latestStates?.saved(endpointId, { id, status, networkError, text });
    },

    async countStates(endpointId) {
      const rows = await db.query<{ n: number }>('SELECT COUNT(*) AS n FROM endpoint_states WHERE endpoint = ?', [endpointId]);
      return Number(rows[0].n);
    },
  };
}
