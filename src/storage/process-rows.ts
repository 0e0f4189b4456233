import type { SqlDb, SqlParam, SqlRunner } from './sql-db.js';
import { parseJson, toJson, marks } from './sql-db.js';
import { packState, unpackState, type ProcessState } from '../core/process/interpreter/index.js';
import type { ProcessCache } from './process-cache.js';

// Rows of the processes tables and the one write every engine step makes: the process row, its
// outbox deliveries and its timers, together in the caller's transaction. Every write announces
// itself with tx.notify('process:changed') (delivered after commit, on every node).

export interface ProcessRecord {
  wfid: string;
  ws: number;
  name: string | null;
  revision: string | null;
  /** The stored definition it was launched from, when it was. */
  definition: string | null;
  status: string;
  state: ProcessState;
  /** workitem id → proceed token, for the workitems still active. */
  tokens: Record<string, string>;
  seq: number;
  launchedAt: number;
  endedAt: number | null;
  updatedAt: number;
}

export interface DbProcess {
  wfid: string;
  ws: number;
  name: string | null;
  revision: string | null;
  definition: string | null;
  status: string;
  state: string;
  tokens: string;
  seq: number;
  launched_at: number;
  ended_at: number | null;
  updated_at: number;
}

export const PROCESS_COLUMNS = 'wfid, ws, name, revision, definition, status, state, tokens, seq, launched_at, ended_at, updated_at';
/** Every column but the state and the tokens: what a step reads when it has them cached. */
const PROCESS_HEAD_COLUMNS = 'wfid, ws, name, revision, definition, status, seq, launched_at, ended_at, updated_at';

export const toProcess = (r: DbProcess): ProcessRecord => ({
  wfid: r.wfid,
  ws: Number(r.ws),
  name: r.name,
  revision: r.revision,
  definition: r.definition,
  status: r.status,
  state: unpackState(parseJson(r.state)),
  tokens: parseJson<Record<string, string>>(r.tokens) ?? {},
  seq: Number(r.seq),
  launchedAt: Number(r.launched_at),
  endedAt: r.ended_at === null ? null : Number(r.ended_at),
  updatedAt: Number(r.updated_at),
});

export type DeliveryState = 'pending' | 'delivered' | 'failed' | 'superseded';

export interface DeliveryRecord {
  id: number;
  webhookId: string;
  wfid: string;
  ws: number;
  workitemId: string;
  participant: string;
  /** The callback's status: active, cancel, timeout or error. */
  status: string;
  url: string;
  body: string;
  state: DeliveryState;
  attempts: number;
  nextAttemptAt: number;
  lastError: string | null;
  createdAt: number;
  finishedAt: number | null;
}

/** A participant delivery to put in the outbox; `body` is sent as is on every attempt. */
export interface NewDelivery {
  webhookId: string;
  workitemId: string;
  participant: string;
  status: string;
  url: string;
  body: string;
}

/** Everything one engine step changes. */
export interface StepWrite {
  state: ProcessState;
  status: string;
  endedAt: number | null;
  tokens: Record<string, string>;
  deliveries: NewDelivery[];
  schedule: Array<{ timerId: string; dueAt: number }>;
  unschedule: string[];
  /**
   * When set, the new deliveries are inserted already claimed by this sender (the one step's commit
   * instead of a claim transaction more) unless an earlier one of their workitem is still pending.
   */
  lease?: { owner: string; expiresAt: number };
  /**
   * Workitems no longer waiting (proceeded, cancelled, killed): their pending deliveries are not
   * wanted any more — not even the retries of one being sent, unless this step sends it another.
   */
  settle: string[];
  /**
   * Workitems this step dispatches for the first time: no delivery of theirs exists yet, so there is
   * nothing to supersede and the first one of each has nothing to wait behind (a launch's are all).
   */
  fresh?: string[];
  /** Set when the process had no timer before this step (so no timer row): an ended one has none to delete. */
  noTimersBefore?: boolean;
}

/** Decides a step from the locked process; pure, called inside the transaction. Null: nothing to write. May throw to refuse. */
export type StepDecision = (p: ProcessRecord) => StepWrite | null;

export interface StepOutcome {
  before: ProcessRecord;
  write: StepWrite | null;
  /** Deliveries inserted already claimed by `write.lease.owner`: that sender sends them after the commit. */
  claimed: DeliveryRecord[];
  /** The length of the state's JSON as written. */
  stateChars?: number;
}

/**
 * Locks the process row and reads it; null when unknown (or in another workspace). With a cache, a
 * state cached at the row's seq is taken from it (the caller owns it: the step changes it in place)
 * instead of reading and parsing the state column.
 */
export async function lockProcess(db: SqlDb, tx: SqlRunner, wfid: string, ws: number | null, cache?: ProcessCache): Promise<ProcessRecord | null> {
  const wsFilter = ws === null ? '' : ' AND ws = ?';
  const params: Array<string | number> = ws === null ? [wfid] : [wfid, ws];
  if (cache?.has(wfid)) {
    const heads = await tx.query<Omit<DbProcess, 'state' | 'tokens'>>(`SELECT ${PROCESS_HEAD_COLUMNS} FROM processes WHERE wfid = ?${wsFilter}${db.forUpdate}`, params);
    if (!heads.length) return null;
    const head = heads[0];
    const hit = cache.take(wfid, Number(head.seq), Number(head.launched_at));
    if (hit) return { ...toProcess({ ...head, state: 'null', tokens: 'null' }), state: hit.state, tokens: hit.tokens };
    // Changed since it was cached (another node, or a step rolled back): the row is locked already.
    const rest = await tx.query<Pick<DbProcess, 'state' | 'tokens'>>('SELECT state, tokens FROM processes WHERE wfid = ?', [wfid]);
    return toProcess({ ...head, ...rest[0] });
  }
  const rows = await tx.query<DbProcess>(`SELECT ${PROCESS_COLUMNS} FROM processes WHERE wfid = ?${wsFilter}${db.forUpdate}`, params);
  return rows.length ? toProcess(rows[0]) : null;
}

export async function stepLocked(tx: SqlRunner, before: ProcessRecord, decide: StepDecision, now: number): Promise<StepOutcome> {
  const write = decide(before);
  if (write === null) return { before, write, claimed: [] };
  const state = toJson(packState(write.state))!;
  const row = [
    'UPDATE processes SET status = ?, state = ?, tokens = ?, seq = seq + 1, ended_at = ?, updated_at = ? WHERE wfid = ?',
    [write.status, state, toJson(write.tokens), write.endedAt, now, before.wfid],
  ] as const;
  const claimed = await writeEffects(tx, row, before, write, now);
  return { before, write, claimed, stateChars: state.length };
}

/** After the commit of a step: its state is the row's at the next seq (an ended process is not kept). */
export function cacheStep(cache: ProcessCache, out: StepOutcome | null | undefined): void {
  if (!out?.write) return;
  const { before, write } = out;
  if (write.endedAt !== null) cache.forget(before.wfid);
  else cache.put(before.wfid, before.seq + 1, before.launchedAt, { state: write.state, tokens: write.tokens }, out.stateChars ?? Infinity);
}

// One insert of an outbox delivery. With a lease, the row is inserted already claimed by it unless
// a pending delivery of its workitem is there (the one-at-a-time rule of claims holds here too:
// behind a pending one, a new one waits). PERF: the check is part of the INSERT (it was a SELECT
// before it, a round trip more on PostgreSQL).
const INSERT_DELIVERY = `INSERT INTO process_deliveries (webhook_id, wfid, ws, launched_at, workitem_id, participant, status, url, body, state, attempts, next_attempt_at, lease_owner, lease_expires_at, created_at)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?, ?) RETURNING id`;
const BEHIND = "EXISTS (SELECT 1 FROM process_deliveries WHERE workitem_id = ? AND state = 'pending')";
const INSERT_LEASED_DELIVERY = `INSERT INTO process_deliveries (webhook_id, wfid, ws, launched_at, workitem_id, participant, status, url, body, state, attempts, next_attempt_at, lease_owner, lease_expires_at, created_at)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, CASE WHEN ${BEHIND} THEN NULL ELSE ? END, CASE WHEN ${BEHIND} THEN NULL ELSE CAST(? AS BIGINT) END, ?)
  RETURNING id, lease_owner`;

/**
 * Writes a step's process row (`row`, the statement inserting or updating it), its outbox rows and
 * its timers, the last statements of its transaction; resolves to the deliveries inserted already
 * claimed. A delivery carries its process's launch time, the first key of the index its process's
 * deliveries are found by (migration 0010). PERF: the statements go in one queryMany (one round
 * trip on PostgreSQL, where they were one each).
 * `launched`: the process was inserted by this transaction, so every workitem it dispatches is fresh.
 * PERF: a fresh workitem has nothing to supersede, and its first delivery nothing to wait behind
 * (a plain INSERT instead of one with two EXISTS); in a sequence every step's workitem is fresh.
 */
export async function writeEffects(
  tx: SqlRunner,
  row: readonly [string, readonly SqlParam[]],
  proc: Pick<ProcessRecord, 'wfid' | 'ws' | 'launchedAt'>,
  write: StepWrite,
  now: number,
  launched = false,
): Promise<DeliveryRecord[]> {
  const { wfid, ws } = proc;
  const statements: Array<readonly [string, readonly SqlParam[]]> = [row];
  const fresh = launched ? null : new Set(write.fresh);
  const isFresh = (id: string) => fresh === null || fresh.has(id);
  const followed = [...new Set(write.deliveries.map((d) => d.workitemId))].filter((id) => !isFresh(id));
  const settled = write.settle.filter((id) => !followed.includes(id));
  if (followed.length + settled.length > 0) {
    // PERF: one statement for both kinds (there was one per workitem). A delivery being sent (leased)
    // is left to finish when a new one follows it (the new one waits for it); when nothing follows
    // (proceeded, killed), a delivery being sent is not retried after this attempt either.
    // One IN list over the pending index; of the followed workitems only the unleased rows.
    const leased = followed.length === 0 ? '' : settled.length === 0 ? ' AND lease_owner IS NULL' : ` AND (lease_owner IS NULL OR workitem_id IN (${marks(settled.length)}))`;
    statements.push([
      `UPDATE process_deliveries SET state = 'superseded', finished_at = ? WHERE state = 'pending' AND workitem_id IN (${marks(followed.length + settled.length)})${leased}`,
      [now, ...followed, ...settled, ...(followed.length > 0 ? settled : [])],
    ]);
  }
  const lease = write.lease;
  // Each delivery's INSERT (its index among the statements) and whether it is claimed for sure.
  const inserts: Array<{ at: number; d: StepWrite['deliveries'][number]; alone: boolean }> = [];
  const first = new Set<string>();
  for (const d of write.deliveries) {
    const base = [d.webhookId, wfid, ws, proc.launchedAt, d.workitemId, d.participant, d.status, d.url, d.body, now];
    const alone = isFresh(d.workitemId) && !first.has(d.workitemId);
    first.add(d.workitemId);
    inserts.push({ at: statements.length, d, alone });
    statements.push(
      !lease
        ? [INSERT_DELIVERY, [...base, null, null, now]]
        : alone
          ? [INSERT_DELIVERY, [...base, lease.owner, lease.expiresAt, now]]
          : [INSERT_LEASED_DELIVERY, [...base, d.workitemId, lease.owner, d.workitemId, lease.expiresAt, now]],
    );
  }
  for (const timerId of write.unschedule) statements.push(['DELETE FROM process_timers WHERE wfid = ? AND timer_id = ?', [wfid, timerId]]);
  if (write.endedAt !== null) {
    // An ended process keeps no timer; one that had none before this step has no row to delete.
    if (!write.noTimersBefore) statements.push(['DELETE FROM process_timers WHERE wfid = ?', [wfid]]);
  } else {
    for (const t of write.schedule) {
      statements.push([
        'INSERT INTO process_timers (wfid, timer_id, ws, due_at) VALUES (?, ?, ?, ?) ON CONFLICT (wfid, timer_id) DO UPDATE SET due_at = excluded.due_at',
        [wfid, t.timerId, ws, t.dueAt],
      ]);
    }
  }
  // `unclaimed` (in the notification): deliveries no sender holds yet, for the senders of every node
  // to pick up. Known before the statements run unless one is inserted claimed only if it is not
  // behind another. PERF: when known, the statements are the transaction's last (finish): on
  // PostgreSQL they go with the notification and the COMMIT in one round trip.
  const known = !lease || inserts.every((i) => i.alone);
  const notify = (unclaimed: number) => tx.notify('process:changed', { ws, wfid, status: write.status, unclaimed });
  if (known) notify(lease ? 0 : write.deliveries.length);
  const results = known ? await tx.finish(statements) : await tx.queryMany(statements);
  const claimed: DeliveryRecord[] = [];
  for (const { at, d, alone } of inserts) {
    const inserted = results[at][0] as { id: number; lease_owner?: string | null };
    if (lease && (alone || inserted.lease_owner !== null)) {
      claimed.push({
        id: Number(inserted.id), webhookId: d.webhookId, wfid, ws, workitemId: d.workitemId, participant: d.participant, status: d.status, url: d.url,
        body: d.body, state: 'pending', attempts: 0, nextAttemptAt: now, lastError: null, createdAt: now, finishedAt: null,
      });
    }
  }
  if (!known) notify(write.deliveries.length - claimed.length);
  return claimed;
}
