import type { SqlDb } from './sql-db.js';
import { toJson } from './sql-db.js';
import { packState } from '../core/process/interpreter/index.js';
import {
  PROCESS_COLUMNS, cacheStep, lockProcess, stepLocked, toProcess, writeEffects,
  type DbProcess, type DeliveryRecord, type ProcessRecord, type StepDecision, type StepOutcome, type StepWrite,
} from './process-rows.js';
import { createProcessDeliveryStore, type ProcessDeliveryStore } from './process-delivery-store.js';
import { createProcessTimerStore, type ProcessTimerStore } from './process-timer-store.js';
import { createProcessDefinitionStore, type ProcessDefinitionStore } from './process-definition-store.js';
import { createProcessCache } from './process-cache.js';

export type { ProcessRecord, StepDecision, StepOutcome, StepWrite, NewDelivery } from './process-rows.js';
export type { DeliveryRecord, DeliveryView } from './process-delivery-store.js';
export type { DueTimer } from './process-timer-store.js';
export type { DefinitionRecord } from './process-definition-store.js';

export interface NewProcess {
  wfid: string;
  ws: number;
  name: string | null;
  revision: string | null;
  definition: string | null;
  launchedAt: number;
  /** The launch's Idempotency-Key and a hash of its request (see create). */
  idempotency?: { key: string; requestHash: string };
}

/** The process a launch's idempotency key already started. */
export interface KeyedProcess {
  wfid: string;
  requestHash: string;
}

/** Processes (issue 4): every change is one transaction holding the process row and its outbox rows. */
export interface ProcessStore {
  /**
   * Inserts a launched process and its first step's rows. 'conflict': its wfid is taken (or, on
   * PostgreSQL, a concurrent launch took its idempotency key first: the caller tries again and finds
   * it). With `p.idempotency`, a process of the workspace started under the key is answered instead,
   * and nothing is written.
   */
  create(p: NewProcess, write: StepWrite): Promise<{ claimed: DeliveryRecord[] } | { existing: KeyedProcess } | 'conflict'>;
  get(wfid: string): Promise<ProcessRecord | null>;
  /** Newest first. */
  list(ws: number, status: string | null, limit: number): Promise<ProcessRecord[]>;
  /**
   * Locks the process (of workspace `ws`, or any when null), decides the step and writes it with its
   * effects, in one transaction. Null when the process is unknown.
   */
  step(wfid: string, ws: number | null, now: number, decide: StepDecision): Promise<StepOutcome | null>;
  readonly deliveries: ProcessDeliveryStore;
  readonly timers: ProcessTimerStore;
  readonly definitions: ProcessDefinitionStore;
}

function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string };
  return e?.code === '23505' || e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || e?.code === 'SQLITE_CONSTRAINT_UNIQUE';
}

export function createProcessStore(db: SqlDb): ProcessStore {
  // This node's parsed states of recently stepped processes (see process-cache.ts for why no invalidation is needed).
  const cache = createProcessCache();
  return {
    async create(p, write) {
      try {
        const state = toJson(packState(write.state))!;
        const keyed = p.idempotency;
        const row = [
          `INSERT INTO processes (wfid, ws, name, revision, definition, status, state, tokens, seq, launched_at, ended_at, updated_at${keyed ? ', idempotency_key, request_hash' : ''})
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?${keyed ? ', ?, ?' : ''})`,
          [p.wfid, p.ws, p.name, p.revision, p.definition, write.status, state, toJson(write.tokens), p.launchedAt, write.endedAt, p.launchedAt, ...(keyed ? [keyed.key, keyed.requestHash] : [])],
        ] as const;
        const out = await db.transaction(async (tx) => {
          if (keyed) {
            const found = await tx.query<{ wfid: string; request_hash: string }>('SELECT wfid, request_hash FROM processes WHERE ws = ? AND idempotency_key = ?', [p.ws, keyed.key]);
            if (found.length > 0) return { existing: { wfid: found[0].wfid, requestHash: found[0].request_hash } };
          }
          return { claimed: await writeEffects(tx, row, p, write, p.launchedAt, true) };
        });
        if ('existing' in out) return out;
        if (write.endedAt === null) cache.put(p.wfid, 1, p.launchedAt, { state: write.state, tokens: write.tokens }, state.length);
        return out;
      } catch (err) {
        if (isUniqueViolation(err)) return 'conflict';
        throw err;
      }
    },

    async get(wfid) {
      const rows = await db.query<DbProcess>(`SELECT ${PROCESS_COLUMNS} FROM processes WHERE wfid = ?`, [wfid]);
      return rows.length ? toProcess(rows[0]) : null;
    },

    async list(ws, status, limit) {
      const rows =
        status === null
          ? await db.query<DbProcess>(`SELECT ${PROCESS_COLUMNS} FROM processes WHERE ws = ? ORDER BY launched_at DESC, wfid${db.byCodePoint} LIMIT ?`, [ws, limit])
          : await db.query<DbProcess>(`SELECT ${PROCESS_COLUMNS} FROM processes WHERE ws = ? AND status = ? ORDER BY launched_at DESC, wfid${db.byCodePoint} LIMIT ?`, [ws, status, limit]);
      return rows.map(toProcess);
    },

    async step(wfid, ws, now, decide) {
      const out = await db.transaction(async (tx) => {
        const before = await lockProcess(db, tx, wfid, ws, cache);
        return before ? stepLocked(tx, before, decide, now) : null;
      });
      cacheStep(cache, out);
      return out;
    },

    deliveries: createProcessDeliveryStore(db, cache),
    timers: createProcessTimerStore(db, cache),
    definitions: createProcessDefinitionStore(db),
  };
}
