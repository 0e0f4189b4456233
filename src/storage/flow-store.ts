import type { FlowFailure, FlowResult, FlowSchemaVersionBody, FlowSnapshot, HistoryEntry, InstanceState, StepState } from '../core/flow/index.js';
import type { SqlDb, SqlParam, SqlRunner } from './sql-db.js';
import { parseJson, toJson } from './sql-db.js';
import { StoreUnavailable } from '../core/errors.js';

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
  /** The request id was applied before: the first answer again (from its record), nothing changed. */
  | { kind: 'replay'; outcome: O }
  | { kind: 'done'; result: FlowResult; instance: FlowInstanceRecord; outcome: O };

/**
 * What a request did, as recorded under its request id: the instance as the change left it, or
 * the failure. A replay rebuilds the same answer from it.
 */
export type MutateAnswer = { ok: true; instance: FlowInstanceRecord } | { ok: false; failure: FlowFailure };

export interface MutateRequest<O> {
  /** Null: not idempotent (pause, resume, exit). */
  requestId: string | null;
  now: number;
  /** Pure; runs inside the transaction, under the instance's row lock. */
  decide(ctx: InstanceContext): FlowResult;
  /**
   * The answer for this request, from what it did; called again with the recorded answer on a
   * replay (it must depend on nothing else, so that the same request id gets the same answer).
   */
  outcome(answer: MutateAnswer): O;
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
// Default 50 attempts: concurrent posts of one identifier on PostgreSQL race for the next version
// (each attempt lets at least one through; past them, 503 and the client retries).
const VERSION_ATTEMPTS = 50;
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

/**
 * The statements appending a change's history entries. `request` (the request id and the answer's
 * record) goes on the first entry: that is where a repeat of the request id finds its answer.
 */
function historyInserts(id: string, seq: number, applied: HistoryEntry[], request: { key: string; record: string } | null = null): Array<[string, SqlParam[]]> {
  return applied.map((h, k) => {
    const r = k === 0 ? request : null;
    return [
      'INSERT INTO flow_history (instance_id, seq, transition, from_step, to_step, type, request_id, at, request_key, outcome) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      [id, seq, h.transition, h.from, h.to, h.type, h.requestId, h.at, r?.key ?? null, r?.record ?? null],
    ];
  });
}

// The record of an answer under its request id: JSON arrays, [1, state, steps, data, seq, updated_at]
// for a change (the instance's other fields never change) and [0, status, code, message, errors] for a
// failure. PERF: built from the JSON texts already made for the UPDATE, not by rendering the answer.
// Records written before 0007 are the rendered answer itself (an object), returned as they are.
function changeRecord(state: string, stepsJson: string, dataJson: string, seq: number, at: number): string {
  return `[1,${JSON.stringify(state)},${stepsJson},${dataJson},${seq},${at}]`;
}

function failureRecord(f: FlowFailure): string {
  return JSON.stringify([0, f.status, f.code, f.message, f.errors]);
}

/** The answer a record holds, with `current` (the instance now) for the fields a change never touches. */
function readRecord(text: string, current: FlowInstanceRecord): MutateAnswer | { legacy: unknown } {
  const r = JSON.parse(text) as unknown;
  if (!Array.isArray(r)) return { legacy: r };
  if (r[0] === 1) return { ok: true, instance: { ...current, state: r[1], steps: r[2], data: r[3], seq: Number(r[4]), updatedAt: Number(r[5]) } };
  return { ok: false, failure: { ok: false, status: r[1], code: r[2], message: r[3], errors: r[4], next: undefined } };
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

  // What a change reads besides the instance: the subject's properties and the records of its request id
  // (one written with a history entry, one without).
  const subjectRead = (ws: string, key: string) => `(SELECT properties FROM subjects s WHERE s.ws = ${ws} AND s.subject_key = ${key}) AS subject_properties`;
  const REQUEST_READ = `(SELECT outcome FROM flow_history h WHERE h.instance_id = ? AND h.request_key = ?) AS changed,
    (SELECT outcome FROM flow_requests r WHERE r.instance_id = ? AND r.request_id = ?) AS unchanged`;
  const NO_REQUEST = 'NULL AS changed, NULL AS unchanged';
  // PERF: with one writer (SQLite) nothing can change between reads, so a change reads the instance, its
  // subject and its request id in one statement. With several (PostgreSQL) the row is locked first and
  // that statement read by one of its own: the locking statement's snapshot is from before it waited
  // for the lock, and would miss the answer of the writer it waited for. The texts are made once (PERF:
  // the statement cache is keyed by them).
  const foldReads = db.capabilities.singleNode;
  const folded = (request: string) => `SELECT ${INSTANCE_COLUMNS}, ${subjectRead('i.ws', 'i.subject')}, ${request} FROM flow_instances i WHERE i.ws = ? AND i.id = ?`;
  const READ_FOLDED = [folded(NO_REQUEST), folded(REQUEST_READ)];
  const LOCK = `SELECT id FROM flow_instances WHERE ws = ? AND id = ?${db.forUpdate}`;

  type ChangeRow = DbInstance & { subject_properties: string | null; changed: string | null; unchanged: string | null };

  async function readForChange(tx: SqlRunner, ws: number, id: string, requestId: string | null): Promise<ChangeRow | null> {
    const requestParams = requestId === null ? [] : [id, requestId, id, requestId];
    const withRequest = requestId === null ? 0 : 1;
    if (foldReads) {
      const rows = await tx.query<ChangeRow>(READ_FOLDED[withRequest], [...requestParams, ws, id]);
      return rows[0] ?? null;
    }
    // PERF: the lock and the read after it travel together (one round trip with the BEGIN).
    const [, rows] = await tx.queryMany([
      [LOCK, [ws, id]],
      [READ_FOLDED[withRequest], [...requestParams, ws, id]],
    ]);
    return (rows[0] as unknown as ChangeRow | undefined) ?? null;
  }

  // The UPDATE of a change, by which of state (1) and data (2) it writes besides steps, seq and updated_at.
  const UPDATES = [0, 1, 2, 3].map(
    (which) => `UPDATE flow_instances SET steps = ?, seq = ?, updated_at = ?${which & 1 ? ', state = ?' : ''}${which & 2 ? ', data = ?' : ''} WHERE id = ?`,
  );

  return {
    async insertSchema(ws, body, now) {
      for (let attempt = 1; ; attempt++) {
        const rows = await db.transaction(async (tx) => {
          const inserted = await tx.query<DbSchema>(
            `INSERT INTO flow_schemas (ws, identifier, version, name, description, body, created_at)
             SELECT ?, ?, COALESCE(MAX(version), 0) + 1, ?, ?, ?, ? FROM flow_schemas WHERE ws = ? AND identifier = ?
             ON CONFLICT DO NOTHING RETURNING ${SCHEMA_COLUMNS}`,
            [ws, body.identifier, body.name, body.description, toJson(body), now, ws, body.identifier],
          );
          if (inserted.length > 0) tx.notify('flow:defined', { ws, identifier: body.identifier, version: Number(inserted[0].version) });
          return inserted;
        });
        if (rows.length > 0) return toSchema(rows[0]);
        if (attempt >= VERSION_ATTEMPTS) throw StoreUnavailable({ retryable: true });
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
         ORDER BY identifier${db.byCodePoint}`,
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
        await tx.queryMany(historyInserts(req.id, 1, result.applied));
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
        const row = await readForChange(tx, ws, id, req.requestId);
        if (row === null) return { kind: 'not_found' as const };
        let instance = toInstance(row);
        const recorded = row.changed ?? row.unchanged;
        if (recorded !== null) {
          const answer = readRecord(recorded, instance);
          return { kind: 'replay' as const, outcome: 'legacy' in answer ? (answer.legacy as never) : req.outcome(answer) };
        }
        const schema = await schemaVersion(tx, ws, instance.flow, instance.version);
        if (schema === null) throw new Error(`flow ${instance.flow} version ${instance.version} is missing`);
        const result = req.decide({ schema, instance, subject: row.subject_properties === null ? {} : parseJson(row.subject_properties) });
        let answer: MutateAnswer;
        if (result.ok) {
          const seq = instance.seq + 1;
          const next = result.next;
          const data = next.data ?? {};
          const stepsJson = JSON.stringify(next.steps);
          // PERF: a transition hands the data back as it was read; its text is reused, and left unwritten.
          const dataKept = data === instance.data;
          const dataJson = dataKept ? row.data : JSON.stringify(data);
          // PERF: columns that did not change are left out of the UPDATE: a state written again (even the
          // same value) rewrites its entry in the (ws, flow, state) index.
          const params: Array<string | number> = [stepsJson, seq, req.now];
          const stateChanged = next.state !== instance.state;
          if (stateChanged) params.push(next.state);
          if (!dataKept) params.push(dataJson);
          params.push(id);
          // The row as written, without reading it back and parsing it again.
          instance = { ...instance, state: next.state, steps: next.steps, data, seq, updatedAt: req.now };
          const record = req.requestId === null ? null : changeRecord(next.state, stepsJson, dataJson, seq, req.now);
          const statements = [[UPDATES[(stateChanged ? 1 : 0) | (dataKept ? 0 : 2)], params] as [string, SqlParam[]], ...historyInserts(id, seq, result.applied, record === null ? null : { key: req.requestId!, record })];
          // A change that fired nothing has no history entry to hold its record.
          if (record !== null && result.applied.length === 0) {
            statements.push(['INSERT INTO flow_requests (instance_id, request_id, outcome, created_at) VALUES (?, ?, ?, ?)', [id, req.requestId, record, req.now]]);
          }
          announce(db, tx, ws, instance, result.applied.length);
          // PERF: the UPDATE and the history entries go together, the transaction's last statements:
          // on PostgreSQL one round trip with the notification and the COMMIT.
          await tx.finish(statements);
          answer = { ok: true, instance };
        } else {
          if (req.requestId !== null) {
            await tx.exec('INSERT INTO flow_requests (instance_id, request_id, outcome, created_at) VALUES (?, ?, ?, ?)', [id, req.requestId, failureRecord(result), req.now]);
          }
          answer = { ok: false, failure: result };
        }
        return { kind: 'done' as const, result, instance, outcome: req.outcome(answer) };
      });
    },
  };
}

class InvalidSubject extends Error {
  constructor(readonly problem: unknown) {
    super('invalid subject');
  }
}
