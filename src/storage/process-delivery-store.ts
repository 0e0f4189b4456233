import { marks } from './sql-db.js';
import type { SqlDb } from './sql-db.js';
import { cacheStep, lockProcess, stepLocked, type DeliveryRecord, type DeliveryState, type StepDecision, type StepOutcome } from './process-rows.js';
import type { ProcessCache } from './process-cache.js';
import { orphanedOwner } from './node-store.js';

// The participant delivery outbox. A sender claims due rows with a lease (its node id and an
// expiry), sends them outside any transaction, then records the outcome only if it still holds
// the lease. A dead node's claims are taken again once their lease expires or its heartbeat stops.

export type { DeliveryRecord, DeliveryState } from './process-rows.js';

interface DbDelivery {
  id: number;
  webhook_id: string;
  wfid: string;
  ws: number;
  workitem_id: string;
  participant: string;
  status: string;
  url: string;
  body: string;
  state: DeliveryState;
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
  created_at: number;
  finished_at: number | null;
}

const COLUMNS = 'id, webhook_id, wfid, ws, workitem_id, participant, status, url, body, state, attempts, next_attempt_at, last_error, created_at, finished_at';

const toDelivery = (r: DbDelivery): DeliveryRecord => ({
  id: Number(r.id),
  webhookId: r.webhook_id,
  wfid: r.wfid,
  ws: Number(r.ws),
  workitemId: r.workitem_id,
  participant: r.participant,
  status: r.status,
  url: r.url,
  body: r.body,
  state: r.state,
  attempts: Number(r.attempts),
  nextAttemptAt: Number(r.next_attempt_at),
  lastError: r.last_error,
  createdAt: Number(r.created_at),
  finishedAt: r.finished_at === null ? null : Number(r.finished_at),
});

/** What GET /v1/workflows/:wfid shows of a workitem's latest delivery. */
export type DeliveryView = Pick<DeliveryRecord, 'workitemId' | 'state' | 'attempts' | 'nextAttemptAt' | 'lastError' | 'createdAt'>;

export interface ClaimDeliveries {
  now: number;
  owner: string;
  leaseExpiresAt: number;
  max: number;
}

export interface ProcessDeliveryStore {
  /** Due deliveries, oldest first, never two of one workitem at once (a cancel waits for its active). */
  claim(req: ClaimDeliveries): Promise<DeliveryRecord[]>;
  /** False when the lease was lost meanwhile. */
  delivered(id: number, owner: string, now: number): Promise<boolean>;
  /**
   * Records several deliveries at once (one statement). `recorded`: the ids whose lease was still
   * held; `waiting`: whether a pending delivery of one of their workitems waits behind them.
   */
  deliveredMany(ids: readonly number[], owner: string, now: number): Promise<{ recorded: number[]; waiting: boolean }>;
  /** A failed attempt with retries left: due again at `nextAttemptAt` (and `callback:retrying` after the commit). */
  retryLater(d: DeliveryRecord, owner: string, req: { now: number; error: string; nextAttemptAt: number }): Promise<boolean>;
  /**
   * Out of retries: marks the delivery failed and, for an `active` one, applies `decide` to its
   * process in the same transaction. Null when the lease was lost.
   */
  exhausted(d: DeliveryRecord, owner: string, req: { now: number; error: string }, decide: StepDecision): Promise<{ step: StepOutcome | null } | null>;
  /** Makes the pending delivery of a workitem due now (an operator's "retry now"); false when it has none waiting. */
  retryNow(wfid: string, ws: number, workitemId: string, now: number): Promise<boolean>;
  /** Gives a claimed delivery back without counting the attempt (the sender is stopping). */
  release(id: number, owner: string): Promise<void>;
  /**
   * Frees the claims of nodes that stopped heartbeating (of every other node with `liveSince` null:
   * a single-node store); never those of `self`, unless `selfToo` (an earlier run under this node id).
   */
  releaseOrphans(req: { self: string; liveSince: number | null; selfToo?: boolean }): Promise<number>;
  /** The latest `active` delivery of each of these workitems. */
  latestActive(wfid: string, workitemIds: readonly string[]): Promise<Map<string, DeliveryView>>;
  /** Every delivery of a process, oldest first. */
  ofProcess(wfid: string): Promise<DeliveryRecord[]>;
  /** When the next pending delivery is due (null: none). */
  nextDueAt(): Promise<number | null>;
  /** A workspace's deliveries in one state: pending ones soonest due first, the others newest first. */
  list(ws: number, filter: DeliveryFilter): Promise<DeliveryRecord[]>;
}

export interface DeliveryFilter {
  state: DeliveryState;
  /** Only those whose last attempt failed. */
  failing: boolean;
  limit: number;
}

const LISTED: Record<DeliveryState, string> = { pending: "'pending'", delivered: "'delivered'", failed: "'failed'", superseded: "'superseded'" };

// A process's deliveries, by the index on (launched_at, wfid, id) (migration 0010); parameters: the wfid twice.
const OF_PROCESS = 'launched_at = (SELECT launched_at FROM processes WHERE wfid = ?) AND wfid = ?';

export function createProcessDeliveryStore(db: SqlDb, cache?: ProcessCache): ProcessDeliveryStore {
  return {
    async claim(req) {
      if (req.max <= 0) return [];
      return db.transaction(async (tx) => {
        const ids = await tx.query<{ id: number }>(
          `SELECT d.id FROM process_deliveries d
           WHERE d.state = 'pending' AND d.next_attempt_at <= ? AND (d.lease_owner IS NULL OR d.lease_expires_at < ?)
             AND NOT EXISTS (SELECT 1 FROM process_deliveries e WHERE e.workitem_id = d.workitem_id AND e.id < d.id AND e.state = 'pending')
           ORDER BY d.next_attempt_at, d.id LIMIT ?${db.skipLocked}`,
          [req.now, req.now, req.max],
        );
        if (ids.length === 0) return [];
        const rows = await tx.query<DbDelivery>(
          `UPDATE process_deliveries SET lease_owner = ?, lease_expires_at = ? WHERE id IN (${marks(ids.length)}) RETURNING ${COLUMNS}`,
          [req.owner, req.leaseExpiresAt, ...ids.map((r) => Number(r.id))],
        );
        return rows.map(toDelivery).sort((a, b) => a.nextAttemptAt - b.nextAttemptAt || a.id - b.id);
      });
    },

    async delivered(id, owner, now) {
      const n = await db.exec(
        `UPDATE process_deliveries SET state = 'delivered', attempts = attempts + 1, last_error = NULL, finished_at = ?, lease_owner = NULL, lease_expires_at = NULL
         WHERE id = ? AND lease_owner = ? AND state = 'pending'`,
        [now, id, owner],
      );
      return n > 0;
    },

    async deliveredMany(ids, owner, now) {
      if (ids.length === 0) return { recorded: [], waiting: false };
      // The EXISTS sees no other row of this statement that matters: a workitem has one delivery in flight at a time.
      const rows = await db.query<{ id: number; waiting: number | boolean }>(
        `UPDATE process_deliveries SET state = 'delivered', attempts = attempts + 1, last_error = NULL, finished_at = ?, lease_owner = NULL, lease_expires_at = NULL
         WHERE id IN (${marks(ids.length)}) AND lease_owner = ? AND state = 'pending'
         RETURNING id, EXISTS (SELECT 1 FROM process_deliveries e WHERE e.workitem_id = process_deliveries.workitem_id AND e.state = 'pending' AND e.id <> process_deliveries.id) AS waiting`,
        [now, ...ids, owner],
      );
      return { recorded: rows.map((r) => Number(r.id)), waiting: rows.some((r) => Boolean(Number(r.waiting))) };
    },

    retryLater(d, owner, req) {
      return db.transaction(async (tx) => {
        const n = await tx.exec(
          `UPDATE process_deliveries SET attempts = attempts + 1, last_error = ?, next_attempt_at = ?, lease_owner = NULL, lease_expires_at = NULL
           WHERE id = ? AND lease_owner = ? AND state = 'pending'`,
          [req.error, req.nextAttemptAt, d.id, owner],
        );
        if (n === 0) return false;
        tx.notify('callback:retrying', {
          ws: d.ws, wfid: d.wfid, workitemId: d.workitemId, participant: d.participant, attempts: d.attempts + 1, nextAttemptAt: req.nextAttemptAt, error: req.error,
        });
        return true;
      });
    },

    async exhausted(d, owner, req, decide) {
      const out = await db.transaction(async (tx) => {
        const before = d.status === 'active' ? await lockProcess(db, tx, d.wfid, null, cache) : null;
        const n = await tx.exec(
          `UPDATE process_deliveries SET state = 'failed', attempts = attempts + 1, last_error = ?, finished_at = ?, lease_owner = NULL, lease_expires_at = NULL
           WHERE id = ? AND lease_owner = ? AND state = 'pending'`,
          [req.error, req.now, d.id, owner],
        );
        if (n === 0) return null;
        tx.notify('callback:failed', { ws: d.ws, wfid: d.wfid, workitemId: d.workitemId, error: req.error });
        return { step: before ? await stepLocked(tx, before, decide, req.now) : null };
      });
      if (cache) cacheStep(cache, out?.step);
      return out;
    },

    async retryNow(wfid, ws, workitemId, now) {
      // A delivery a sender holds is being sent now; one whose sender died is free again.
      const n = await db.exec(
        "UPDATE process_deliveries SET next_attempt_at = ? WHERE wfid = ? AND ws = ? AND workitem_id = ? AND state = 'pending' AND (lease_owner IS NULL OR lease_expires_at < ?)",
        [now, wfid, ws, workitemId, now],
      );
      return n > 0;
    },

    async release(id, owner) {
      await db.exec("UPDATE process_deliveries SET lease_owner = NULL, lease_expires_at = NULL WHERE id = ? AND lease_owner = ? AND state = 'pending'", [id, owner]);
    },

    async releaseOrphans(req) {
      const owner = orphanedOwner(req);
      return db.exec(
        `UPDATE process_deliveries SET lease_owner = NULL, lease_expires_at = NULL WHERE state = 'pending' AND lease_owner IS NOT NULL AND ${owner.sql}`,
        owner.params,
      );
    },

    async latestActive(wfid, workitemIds) {
      const out = new Map<string, DeliveryView>();
      if (workitemIds.length === 0) return out;
      const rows = await db.query<DbDelivery>(
        `SELECT ${COLUMNS} FROM process_deliveries WHERE ${OF_PROCESS} AND status = 'active' AND workitem_id IN (${marks(workitemIds.length)}) ORDER BY id`,
        [wfid, wfid, ...workitemIds],
      );
      for (const r of rows.map(toDelivery)) {
        out.set(r.workitemId, { workitemId: r.workitemId, state: r.state, attempts: r.attempts, nextAttemptAt: r.nextAttemptAt, lastError: r.lastError, createdAt: r.createdAt });
      }
      return out;
    },

    async ofProcess(wfid) {
      const rows = await db.query<DbDelivery>(`SELECT ${COLUMNS} FROM process_deliveries WHERE ${OF_PROCESS} ORDER BY id`, [wfid, wfid]);
      return rows.map(toDelivery);
    },

    async list(ws, filter) {
      // The state is written into the statement (one of four: see LISTED) so that the partial
      // indexes can serve it: pending ones by the due index, failed ones by migration 0011's. The
      // delivered and superseded ones (most rows) are read newest first by id.
      const state = LISTED[filter.state];
      const failing = filter.failing ? ' AND last_error IS NOT NULL' : '';
      const order = filter.state === 'pending' ? 'next_attempt_at, id' : 'id DESC';
      const rows = await db.query<DbDelivery>(`SELECT ${COLUMNS} FROM process_deliveries WHERE state = ${state} AND ws = ?${failing} ORDER BY ${order} LIMIT ?`, [
        ws,
        filter.limit,
      ]);
      return rows.map(toDelivery);
    },

    async nextDueAt() {
      const rows = await db.query<{ due: number | null }>("SELECT MIN(next_attempt_at) AS due FROM process_deliveries WHERE state = 'pending'");
      return rows.length && rows[0].due !== null ? Number(rows[0].due) : null;
    },
  };
}
