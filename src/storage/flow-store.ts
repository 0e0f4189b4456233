import type { FlowFailure, FlowResult, FlowSchemaVersionBody, FlowSnapshot, HistoryEntry, InstanceState, StepState } from '../core/flow/index.js';
import type { SqlDb, SqlRunner } from './sql-db.js';
import { parseJson, toJson } from './sql-db.js';

// Flows (issue 3): schema versions, subjects, instances, history and applied request ids.
// Every row belongs to a workspace (`ws`). A change to an instance is applied under its row lock
// with its history rows in one transaction.

export interface FlowSchemaRecord {
  identifier: string;
  version: number;
  body: FlowSchemaVersionBody;
  createdAt: number;
}

export interface SubjectRecord {
  key: string;
  properties: unknown;
  /** The JSON Schema the properties must satisfy, or null. */
  schema: unknown;
  createdAt: number;
  updatedAt: number;
}

export interface FlowInstanceRecord {
  id: string;
  flow: string;
  version: number;
  subject: string;
  state: InstanceState;
  steps: Record<string, StepState>;
  data: unknown;
  /** 1 at start, +1 per committed change: the order of changes to this instance. */
  seq: number;
  createdAt: number;
  updatedAt: number;
}

export interface FlowHistoryRecord extends HistoryEntry {
  /** The instance seq produced by the change that applied this entry. */
  seq: number;
}

export interface InstanceFilter {
  subject?: string;
  flow?: string;
  state?: string;
  limit: number;
  offset: number;
}

/** What a decision sees inside the transaction. */
export interface InstanceContext {
  schema: FlowSchemaVersionBody;
  instance: FlowInstanceRecord;
  /** The subject's current properties. */
  subject: unknown;
}

export type MutateResult<O> =
  | { kind: 'not_found' }
  /** The request id was applied before: its stored outcome, nothing changed. */
  | { kind: 'replay'; outcome: unknown }
  | { kind: 'done'; result: FlowResult; instance: FlowInstanceRecord; outcome: O };

export interface MutateRequest<O> {
  /** Null: not idempotent (pause, resume, exit). */
  requestId: string | null;
  now: number;
  /** Pure; runs inside the transaction, under the instance's row lock. */
  decide(ctx: InstanceContext): FlowResult;
  /** The answer for this request (stored under requestId, returned on a replay). */
  outcome(result: FlowResult, instance: FlowInstanceRecord): O;
}

export type StartResult =
  | { kind: 'flow_not_found' }
  | { kind: 'exists'; id: string }
  | { kind: 'failed'; result: FlowFailure }
  | { kind: 'started'; instance: FlowInstanceRecord; applied: HistoryEntry[] };

export interface SubjectUpdate {
  /** Replaces the properties; undefined keeps them ({} for a new subject). */
  properties?: unknown;
  /** Replaces the JSON Schema (null removes it); undefined keeps it. */
  schema?: unknown;
}

export interface FlowStore {
  /** Adds the next version of `body.identifier` (1 when new). */
  insertSchema(ws: number, body: FlowSchemaVersionBody, now: number): Promise<FlowSchemaRecord>;
  getSchema(ws: number, identifier: string, version: number | null): Promise<FlowSchemaRecord | null>;
  /** The latest version of every flow, by identifier. */
  listSchemas(ws: number): Promise<FlowSchemaRecord[]>;
  /**
   * Creates or updates a subject. `check` validates the resulting properties against the
   * resulting schema inside the transaction; a non-null answer rolls nothing forward and is returned.
   */
  putSubject<E>(ws: number, key: string, update: SubjectUpdate, check: (properties: unknown, schema: unknown) => E | null, now: number): Promise<SubjectRecord | { invalid: E }>;
  getSubject(ws: number, key: string): Promise<SubjectRecord | null>;
  /** Starts an instance on the latest version of `flow` (the subject is created when new). */
  startInstance(
    ws: number,
    req: { id: string; flow: string; subject: string; now: number; start(schema: FlowSchemaVersionBody, subject: unknown): FlowResult },
  ): Promise<StartResult>;
  getInstance(ws: number, id: string): Promise<FlowInstanceRecord | null>;
  listInstances(ws: number, filter: InstanceFilter): Promise<FlowInstanceRecord[]>;
  history(ws: number, id: string): Promise<FlowHistoryRecord[] | null>;
  /** Applies one decision to an instance: lock, decide, write snapshot + history (+ outcome), commit. */
  mutateInstance<O>(ws: number, id: string, req: MutateRequest<O>): Promise<MutateResult<O>>;
}

interface DbSchema {
  identifier: string;
  version: number;
  body: string;
  created_at: number;
}

interface DbSubject {
  subject_key: string;
  properties: string;
  json_schema: string | null;
  created_at: number;
  updated_at: number;
}

interface DbInstance {
  id: string;
  flow: string;
  version: number;
  subject: string;
  state: InstanceState;
  steps: string;
  data: string;
  seq: number;
  created_at: number;
  updated_at: number;
}

interface DbHistory {
  seq: number;
  transition: string;
  from_step: string;
  to_step: string;
  type: 'manual' | 'automatic';
  request_id: string | null;
  at: number;
}

const toSchema = (r: DbSchema): FlowSchemaRecord => ({
  identifier: r.identifier,
  version: Number(r.version),
  body: parseJson<FlowSchemaVersionBody>(r.body)!,
  createdAt: Number(r.created_at),
});

const toSubject = (r: DbSubject): SubjectRecord => ({
  key: r.subject_key,
  properties: parseJson(r.properties),
  schema: parseJson(r.json_schema),
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at),
});

const toInstance = (r: DbInstance): FlowInstanceRecord => ({
  id: r.id,
  flow: r.flow,
  version: Number(r.version),
  subject: r.subject,
  state: r.state,
  steps: parseJson<Record<string, StepState>>(r.steps)!,
  data: parseJson(r.data),
  seq: Number(r.seq),
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at),
});

const SCHEMA_COLUMNS = 'identifier, version, body, created_at';
const SUBJECT_COLUMNS = 'subject_key, properties, json_schema, created_at, updated_at';
const INSTANCE_COLUMNS = 'id, flow, version, subject, state, steps, data, seq, created_at, updated_at';
// Default 10 attempts: concurrent posts of one identifier on PostgreSQL race for the next version.
const VERSION_ATTEMPTS = 10;
// Default 1,000 schema versions kept parsed: versions never change once written.
const SCHEMA_CACHE_SIZE = 1000;

// PostgreSQL's NOTIFY payload is limited to 8000 bytes: larger instances are announced by reference.
const NOTIFY_INLINE_BYTES = 6000;

/**
 * Announces a committed change of an instance to every node ('flow:record', in commit order):
 * the record itself, or {ws, id, seq} when it is too large to travel in a notification.
 */
function announce(db: SqlDb, tx: SqlRunner, ws: number, instance: FlowInstanceRecord, fired: number) {
  const inline = { ws, fired, instance };
  // PERF: only a notification that travels (LISTEN/NOTIFY) has a size limit to measure against.
  const fits = !db.capabilities.supportsListenNotify || Buffer.byteLength(JSON.stringify(inline)) <= NOTIFY_INLINE_BYTES;
  tx.notify('flow:record', fits ? inline : { ws, fired, ref: { id: instance.id, seq: instance.seq } });
}

async function appendHistory(tx: SqlRunner, id: string, seq: number, applied: HistoryEntry[]): Promise<void> {
  for (const h of applied) {
    await tx.exec('INSERT INTO flow_history (instance_id, seq, transition, from_step, to_step, type, request_id, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)', [
      id,
      seq,
      h.transition,
      h.from,
      h.to,
      h.type,
      h.requestId,
      h.at,
    ]);
  }
}

export function createFlowStore(db: SqlDb): FlowStore {
  const schemaCache = new Map<string, FlowSchemaVersionBody>();

  async function schemaVersion(tx: SqlRunner, ws: number, identifier: string, version: number): Promise<FlowSchemaVersionBody | null> {
    const key = JSON.stringify([ws, identifier, version]);
    const hit = schemaCache.get(key);
    if (hit) return hit;
    const rows = await tx.query<DbSchema>(`SELECT ${SCHEMA_COLUMNS} FROM flow_schemas WHERE ws = ? AND identifier = ? AND version = ?`, [ws, identifier, version]);
    if (rows.length === 0) return null;
    const body = toSchema(rows[0]).body;
    if (schemaCache.size >= SCHEMA_CACHE_SIZE) schemaCache.delete(schemaCache.keys().next().value!);
    schemaCache.set(key, body);
    return body;
  }

  async function subjectProperties(tx: SqlRunner, ws: number, key: string): Promise<unknown> {
    const rows = await tx.query<{ properties: string }>('SELECT properties FROM subjects WHERE ws = ? AND subject_key = ?', [ws, key]);
    return rows.length ? parseJson(rows[0].properties) : {};
  }

  return {
    async insertSchema(ws, body, now) {
      for (let attempt = 1; ; attempt++) {
        const rows = await db.transaction(async (tx) =>
          tx.query<DbSchema>(
            `INSERT INTO flow_schemas (ws, identifier, version, name, description, body, created_at)
             SELECT ?, ?, COALESCE(MAX(version), 0) + 1, ?, ?, ?, ? FROM flow_schemas WHERE ws = ? AND identifier = ?
             ON CONFLICT DO NOTHING RETURNING ${SCHEMA_COLUMNS}`,
            [ws, body.identifier, body.name, body.description, toJson(body), now, ws, body.identifier],
          ),
        );
        if (rows.length > 0) return toSchema(rows[0]);
        if (attempt >= VERSION_ATTEMPTS) throw new Error(`could not add a version of flow ${body.identifier}: too many concurrent writers`);
      }
    },

    async getSchema(ws, identifier, version) {
      const rows =
        version === null
          ? await db.query<DbSchema>(`SELECT ${SCHEMA_COLUMNS} FROM flow_schemas WHERE ws = ? AND identifier = ? ORDER BY version DESC LIMIT 1`, [ws, identifier])
          : await db.query<DbSchema>(`SELECT ${SCHEMA_COLUMNS} FROM flow_schemas WHERE ws = ? AND identifier = ? AND version = ?`, [ws, identifier, version]);
      return rows.length ? toSchema(rows[0]) : null;
    },

    async listSchemas(ws) {
      const rows = await db.query<DbSchema>(
        `SELECT ${SCHEMA_COLUMNS} FROM flow_schemas s WHERE ws = ?
           AND version = (SELECT MAX(version) FROM flow_schemas m WHERE m.ws = s.ws AND m.identifier = s.identifier)
         ORDER BY identifier`,
        [ws],
      );
      return rows.map(toSchema);
    },

    async putSubject(ws, key, update, check, now) {
      return db.transaction(async (tx) => {
        await tx.exec(
          `INSERT INTO subjects (ws, subject_key, properties, json_schema, created_at, updated_at) VALUES (?, ?, '{}', NULL, ?, ?)
           ON CONFLICT DO NOTHING`,
          [ws, key, now, now],
        );
        const rows = await tx.query<DbSubject>(`SELECT ${SUBJECT_COLUMNS} FROM subjects WHERE ws = ? AND subject_key = ?${db.forUpdate}`, [ws, key]);
        const current = toSubject(rows[0]);
        const properties = update.properties === undefined ? current.properties : update.properties;
        const schema = update.schema === undefined ? current.schema : update.schema;
        const invalid = check(properties, schema);
        // Throwing rolls back the row created above; the caller gets the problem as a value.
        if (invalid !== null) throw new InvalidSubject(invalid);
        const updated = await tx.query<DbSubject>(
          `UPDATE subjects SET properties = ?, json_schema = ?, updated_at = ? WHERE ws = ? AND subject_key = ? RETURNING ${SUBJECT_COLUMNS}`,
          [toJson(properties), schema === null ? null : toJson(schema), now, ws, key],
        );
        return toSubject(updated[0]);
      }).catch((err: unknown) => {
        if (err instanceof InvalidSubject) return { invalid: err.problem as never };
        throw err;
      });
    },

    async getSubject(ws, key) {
      const rows = await db.query<DbSubject>(`SELECT ${SUBJECT_COLUMNS} FROM subjects WHERE ws = ? AND subject_key = ?`, [ws, key]);
      return rows.length ? toSubject(rows[0]) : null;
    },

    async startInstance(ws, req) {
      return db.transaction(async (tx): Promise<StartResult> => {
        const latest = await tx.query<{ version: number }>('SELECT MAX(version) AS version FROM flow_schemas WHERE ws = ? AND identifier = ?', [ws, req.flow]);
        const version = latest[0]?.version === null || latest[0]?.version === undefined ? null : Number(latest[0].version);
        if (version === null) return { kind: 'flow_not_found' };
        const schema = (await schemaVersion(tx, ws, req.flow, version))!;
        const existing = await tx.query<{ id: string }>('SELECT id FROM flow_instances WHERE ws = ? AND subject = ? AND flow = ?', [ws, req.subject, req.flow]);
        if (existing.length > 0) return { kind: 'exists', id: existing[0].id };
        await tx.exec(
          `INSERT INTO subjects (ws, subject_key, properties, json_schema, created_at, updated_at) VALUES (?, ?, '{}', NULL, ?, ?) ON CONFLICT DO NOTHING`,
          [ws, req.subject, req.now, req.now],
        );
        const result = req.start(schema, await subjectProperties(tx, ws, req.subject));
        if (!result.ok) return { kind: 'failed', result };
        const next: FlowSnapshot = result.next;
        // A concurrent start of the same (subject, flow) on another connection: its row wins, this one is a 409.
        const rows = await tx.query<DbInstance>(
          `INSERT INTO flow_instances (id, ws, flow, version, subject, state, steps, data, seq, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?) ON CONFLICT (ws, subject, flow) DO NOTHING RETURNING ${INSTANCE_COLUMNS}`,
          [req.id, ws, req.flow, version, req.subject, next.state, toJson(next.steps), toJson(next.data ?? {}), req.now, req.now],
        );
        if (rows.length === 0) {
          const winner = await tx.query<{ id: string }>('SELECT id FROM flow_instances WHERE ws = ? AND subject = ? AND flow = ?', [ws, req.subject, req.flow]);
          return { kind: 'exists', id: winner[0]?.id ?? '' };
        }
        await appendHistory(tx, req.id, 1, result.applied);
        const instance = toInstance(rows[0]);
        announce(db, tx, ws, instance, result.applied.length);
        return { kind: 'started', instance, applied: result.applied };
      });
    },

    async getInstance(ws, id) {
      const rows = await db.query<DbInstance>(`SELECT ${INSTANCE_COLUMNS} FROM flow_instances WHERE ws = ? AND id = ?`, [ws, id]);
      return rows.length ? toInstance(rows[0]) : null;
    },

    async listInstances(ws, filter) {
      const where = ['ws = ?'];
      const params: Array<string | number> = [ws];
      for (const column of ['subject', 'flow', 'state'] as const) {
        const value = filter[column];
        if (value === undefined) continue;
        where.push(`${column} = ?`);
        params.push(value);
      }
      const rows = await db.query<DbInstance>(`SELECT ${INSTANCE_COLUMNS} FROM flow_instances WHERE ${where.join(' AND ')} ORDER BY created_at, id LIMIT ? OFFSET ?`, [
        ...params,
        filter.limit,
        filter.offset,
      ]);
      return rows.map(toInstance);
    },

    async history(ws, id) {
      const found = await db.query('SELECT 1 AS x FROM flow_instances WHERE ws = ? AND id = ?', [ws, id]);
      if (found.length === 0) return null;
      const rows = await db.query<DbHistory>('SELECT seq, transition, from_step, to_step, type, request_id, at FROM flow_history WHERE instance_id = ? ORDER BY id', [id]);
      return rows.map((r) => ({
        seq: Number(r.seq),
        transition: r.transition,
        from: r.from_step,
        to: r.to_step,
        type: r.type,
        requestId: r.request_id,
        at: Number(r.at),
      }));
    },

    async mutateInstance(ws, id, req) {
      return db.transaction(async (tx) => {
        const rows = await tx.query<DbInstance>(`SELECT ${INSTANCE_COLUMNS} FROM flow_instances WHERE ws = ? AND id = ?${db.forUpdate}`, [ws, id]);
        if (rows.length === 0) return { kind: 'not_found' as const };
        if (req.requestId !== null) {
          const seen = await tx.query<{ outcome: string }>('SELECT outcome FROM flow_requests WHERE instance_id = ? AND request_id = ?', [id, req.requestId]);
          if (seen.length > 0) return { kind: 'replay' as const, outcome: parseJson(seen[0].outcome) };
        }
        let instance = toInstance(rows[0]);
        const schema = await schemaVersion(tx, ws, instance.flow, instance.version);
        if (schema === null) throw new Error(`flow ${instance.flow} version ${instance.version} is missing`);
        const result = req.decide({ schema, instance, subject: await subjectProperties(tx, ws, instance.subject) });
        if (result.ok) {
          const seq = instance.seq + 1;
          const data = result.next.data ?? {};
          await tx.exec('UPDATE flow_instances SET state = ?, steps = ?, data = ?, seq = ?, updated_at = ? WHERE id = ?', [
            result.next.state,
            toJson(result.next.steps),
            toJson(data),
            seq,
            req.now,
            id,
          ]);
          // The row as written, without reading it back and parsing it again.
          instance = { ...instance, state: result.next.state, steps: result.next.steps, data, seq, updatedAt: req.now };
          await appendHistory(tx, id, seq, result.applied);
          announce(db, tx, ws, instance, result.applied.length);
        }
        const outcome = req.outcome(result, instance);
        if (req.requestId !== null) {
          await tx.exec('INSERT INTO flow_requests (instance_id, request_id, outcome, created_at) VALUES (?, ?, ?, ?)', [id, req.requestId, toJson(outcome), req.now]);
        }
        return { kind: 'done' as const, result, instance, outcome };
      });
    },
  };
}

class InvalidSubject extends Error {
  constructor(readonly problem: unknown) {
    super('invalid subject');
  }
}
