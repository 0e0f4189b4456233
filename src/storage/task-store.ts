import type { SqlDb, SqlParam, SqlRunner } from './sql-db.js';

// Every change announces itself with tx.notify (delivered after commit, on every node):
// 'task:changed' {ws} for streams, 'task:available' {ws} where queued work may be claimable,
// 'task:completed' / 'task:failed' {ws, id} when a task ends.
import { parseJson, toJson, marks } from './sql-db.js';
import { orphanedOwner } from './node-store.js';

export type TaskStatus = 'queued' | 'running' | 'completed' | 'failed';
export type TaskRunner = 'builtin' | 'external';

export interface TaskRecord {
  ws: number;
  id: number;
  name: string;
  type: string;
  status: TaskStatus;
  payload: unknown;
  attempts: number;
  maxAttempts: number;
  runAt: number;
  runner: TaskRunner | null;
  leaseOwner: string | null;
  leaseToken: string | null;
  leaseExpiresAt: number | null;
  workerId: string | null;
  result: unknown;
  error: unknown;
  flushed: boolean;
  createdAt: number;
  updatedAt: number;
  startedAt: number | null;
  finishedAt: number | null;
}

interface DbTask {
  ws: number;
  id: number;
  name: string;
  type: string;
  status: TaskStatus;
  payload: string | null;
  attempts: number;
  max_attempts: number;
  run_at: number;
  runner: TaskRunner | null;
  lease_owner: string | null;
  lease_token: string | null;
  lease_expires_at: number | null;
  worker_id: string | null;
  result: string | null;
  error: string | null;
  flushed: number;
  created_at: number;
  updated_at: number;
  started_at: number | null;
  finished_at: number | null;
}

const toTask = (r: DbTask): TaskRecord => ({
  ws: Number(r.ws),
  id: Number(r.id),
  name: r.name,
  type: r.type,
  status: r.status,
  payload: parseJson(r.payload),
  attempts: r.attempts,
  maxAttempts: r.max_attempts,
  runAt: r.run_at,
  runner: r.runner,
  leaseOwner: r.lease_owner,
  leaseToken: r.lease_token,
  leaseExpiresAt: r.lease_expires_at,
  workerId: r.worker_id,
  result: parseJson(r.result),
  error: parseJson(r.error),
  flushed: Boolean(r.flushed),
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
});

export interface NewTask {
  name: string;
  type: string;
  payload: unknown;
  maxAttempts: number;
  /** A task of the workspace created with this key is answered instead of creating another. */
  idempotencyKey?: string;
}

export interface ClaimRequest {
  /** One workspace (external workers), or null for every workspace (the built-in runner). */
  ws: number | null;
  types: readonly string[];
  max: number;
  /** Tasks running at once per workspace (cluster-wide). */
  cap: number;
  runner: TaskRunner;
  owner: string;
  workerId: string | null;
  /** Null for the built-in runner: its tasks are held by its node's heartbeat. */
  leaseExpiresAt: number | null;
  now: number;
  newToken: () => string;
}

/** The outcome of a lease check on a running task. */
export type LeaseCheck = 'not_found' | 'not_running' | 'lease_lost';

export interface FinishRequest {
  token: string | null;
  now: number;
}

/** Decides what a failure does: retry at `retryAt`, or give up (null). Pure; called inside the transaction. */
export type RetryDecision = (attempts: number, maxAttempts: number) => { retryAt: number } | null;

/** One acknowledgement in completeMany. */
export interface CompleteItem {
  id: number;
  token: string | null;
  result: unknown;
}

export interface TaskStore {
  create(ws: number, task: NewTask, now: number): Promise<TaskRecord>;
  /**
   * Enqueues several tasks in one transaction; ids follow the order given. An item whose idempotency
   * key is taken is answered the key's task; `reused` is called for each such item inside the
   * transaction, so that throwing rolls the whole batch back.
   */
  createMany(ws: number, tasks: readonly NewTask[], now: number, reused?: (item: NewTask, task: TaskRecord, index: number) => void): Promise<TaskRecord[]>;
  list(ws: number): Promise<TaskRecord[]>;
  get(ws: number, id: number): Promise<TaskRecord | null>;
  /** Deletes a queued, unflushed task. */
  deleteQueued(ws: number, id: number): Promise<'deleted' | 'not_found' | 'dispatched'>;
  /** Hides every task that has left the queue; resolves to how many. */
  flush(ws: number, now: number): Promise<number>;
  claim(req: ClaimRequest): Promise<TaskRecord[]>;
  heartbeat(ws: number, id: number, req: FinishRequest & { leaseExpiresAt: number }): Promise<TaskRecord | LeaseCheck>;
  complete(ws: number, id: number, req: FinishRequest & { result: unknown }): Promise<TaskRecord | LeaseCheck>;
  /** Completes several tasks of a workspace in one transaction; one outcome per item, in order, as if applied one after another. */
  completeMany(ws: number, items: readonly CompleteItem[], now: number): Promise<Array<TaskRecord | LeaseCheck>>;
  /**
   * completeMany, then a claim in the same workspace (`claim.ws`), in one transaction: the claim
   * counts the slots the completions freed. For executors where a transaction costs round trips
   * (PostgreSQL); see TaskService.completeAndClaim.
   */
  completeAndClaim(ws: number, items: readonly CompleteItem[], now: number, claim: ClaimRequest): Promise<{ outcomes: Array<TaskRecord | LeaseCheck>; claimed: TaskRecord[] }>;
  fail(ws: number, id: number, req: FinishRequest & { error: unknown; retryable: boolean; decide: RetryDecision }): Promise<TaskRecord | LeaseCheck>;
  /** Puts a claimed task back in the queue without counting the attempt (a worker stopping). */
  release(ws: number, id: number, req: FinishRequest): Promise<TaskRecord | LeaseCheck>;
  /** External leases past their time: back to the queue, or failed when out of attempts. */
  expireLeases(now: number, decide: RetryDecision, limit: number): Promise<TaskRecord[]>;
  /**
   * Built-in runner tasks whose node is gone (see orphanedOwner) go back to the queue, the attempt
   * not counted.
   */
  requeueOrphans(opts: { now: number; self: string; liveSince: number | null; selfToo?: boolean }): Promise<number[]>;
  /** Seconds-precision summary used by /metrics and the dashboard. */
  countByStatus(ws: number | null): Promise<Record<TaskStatus, number>>;
  /** Task types that have queued work due now (so the dispatcher knows to run). */
  hasDue(types: readonly string[], now: number): Promise<boolean>;
}

const COLUMNS =
  'ws, id, name, type, status, payload, attempts, max_attempts, run_at, runner, lease_owner, lease_token, lease_expires_at, worker_id, result, error, flushed, created_at, updated_at, started_at, finished_at';

const PREFIXED_COLUMNS = COLUMNS.split(', ')
  .map((c) => `tasks.${c}`)
  .join(', ');

/** A running task, locked, or why the call cannot act on it. */
async function lockRunning(db: SqlDb, tx: SqlRunner, ws: number, id: number, token: string | null): Promise<DbTask | LeaseCheck> {
  const rows = await tx.query<DbTask>(`SELECT ${COLUMNS} FROM tasks WHERE ws = ? AND id = ?${db.forUpdate}`, [ws, id]);
  if (rows.length === 0) return 'not_found';
  const row = rows[0];
  if (row.status !== 'running') return 'not_running';
  if (token !== null && row.lease_token !== token) return 'lease_lost';
  return row;
}

const CLAIM_SET = `status = 'running', attempts = attempts + 1, runner = ?, lease_owner = ?, lease_token = ?, lease_expires_at = ?,
  worker_id = ?, started_at = ?, updated_at = ?, error = NULL`;
const claimSetParams = (req: ClaimRequest, token: string) => [req.runner, req.owner, token, req.leaseExpiresAt, req.workerId, req.now, req.now];
/** The order a claim answers its tasks in: due first, then by workspace and id. */
const byClaimOrder = (a: TaskRecord, b: TaskRecord) => a.runAt - b.runAt || a.ws - b.ws || a.id - b.id;
const COMPLETE_SET = "status = 'completed', result = ?, finished_at = ?, updated_at = ?, lease_token = NULL, lease_expires_at = NULL";
const completeSetParams = (result: unknown, now: number) => [toJson(result ?? null), now, now];

export function createTaskStore(db: SqlDb, nodeId: string | null = null): TaskStore {
  async function updateReturning(tx: SqlRunner, set: string, params: unknown[], ws: number, id: number): Promise<TaskRecord> {
    const rows = await tx.query<DbTask>(`UPDATE tasks SET ${set} WHERE ws = ? AND id = ? RETURNING ${COLUMNS}`, [...(params as never[]), ws, id]);
    const task = toTask(rows[0]);
    announce(tx, ws, [task]);
    return task;
  }

  /**
   * The notifications for tasks of one workspace that changed state (not for a claim: see claim()).
   * Completions and failures carry the node that committed them: a node counts only its own.
   */
  function announce(tx: SqlRunner, ws: number, tasks: readonly TaskRecord[]) {
    if (tasks.length === 0) return;
    tx.notify('task:changed', { ws });
    const completed = tasks.filter((t) => t.status === 'completed').length;
    const failed = tasks.filter((t) => t.status === 'failed').length;
    if (completed > 0) tx.notify('task:completed', { ws, count: completed, node: nodeId });
    if (failed > 0) tx.notify('task:failed', { ws, count: failed, node: nodeId });
    // A slot is free again, or the task is queued again.
    if (tasks.some((t) => t.status !== 'running')) tx.notify('task:available', { ws });
  }

  /**
   * A worker's claim in one workspace. PERF: one statement picks the due tasks, as many as the
   * workspace's running cap leaves room for, and updates them. On PostgreSQL the workspace row is
   * locked first (claims in one workspace take turns, so the cap holds cluster-wide), and the claim
   * statement, starting after that lock is held, counts every task set running before it.
   */
  async function claimInWorkspace(tx: SqlRunner, req: ClaimRequest, ws: number): Promise<TaskRecord[]> {
    // PERF: on PostgreSQL the lock and the claim travel in one round trip (with the BEGIN).
    const results = await tx.queryMany(claimStatements(req, ws));
    return claimedRows(tx, ws, results[results.length - 1]);
  }

  /** The statements of claimInWorkspace: the workspace lock (PostgreSQL), then the claim. */
  function claimStatements(req: ClaimRequest, ws: number): Array<readonly [string, readonly SqlParam[]]> {
    // One lease token per claim: a later claim of the same task gets another one. PERF: the picked
    // rows are updated by `id IN (…)`, not joined: the planner cannot tell how many the LIMIT (a
    // subquery) leaves and guesses a tenth of the queued tasks: on PostgreSQL, with a backlog of
    // ~50,000 analysed, it hash-joined a sequential scan of the table (10 ms a claim of 50, against
    // 0.5; test/storage/task-claim-plan.test.ts).
    const claim: readonly [string, readonly SqlParam[]] = [
      `WITH picked AS (
         SELECT id FROM tasks
         WHERE status = 'queued' AND ws = ? AND type IN (${marks(req.types.length)}) AND run_at <= ?
         ORDER BY run_at, id
         LIMIT (SELECT CASE WHEN COUNT(*) >= ? THEN 0 WHEN ? - COUNT(*) < ? THEN ? - COUNT(*) ELSE ? END FROM tasks WHERE status = 'running' AND ws = ?)${db.skipLocked})
       UPDATE tasks SET ${CLAIM_SET}
       WHERE ws = ? AND id IN (SELECT id FROM picked)
       RETURNING ${COLUMNS}`,
      [ws, ...req.types, req.now, req.cap, req.cap, req.max, req.cap, req.max, ws, ...claimSetParams(req, req.newToken()), ws],
    ];
    return db.forUpdate ? [[`SELECT pk FROM workspaces WHERE pk = ?${db.forUpdate}`, [ws]], claim] : [claim];
  }

  /** A claim in its own transaction, in one workspace or (null) any; its tasks in claim order. */
  async function claimOne(req: ClaimRequest, ws: number | null): Promise<TaskRecord[]> {
    const claimed = await db.transaction((tx) => (ws === null ? claimAnywhere(tx, req) : claimInWorkspace(tx, req, ws)));
    return claimed.sort(byClaimOrder);
  }

  function claimedRows(tx: SqlRunner, ws: number, rows: unknown[]): TaskRecord[] {
    if (rows.length > 0) tx.notify('task:changed', { ws });
    return (rows as DbTask[]).map(toTask);
  }

  /**
   * The statement of completeMany: the first item of each task (an UPDATE … FROM applies one joined
   * row per task), matched where the task is running under that lease.
   */
  function completeStatement(ws: number, items: readonly CompleteItem[], now: number): readonly [string, readonly SqlParam[]] {
    const firsts = [...new Map(items.map((it) => [it.id, it] as const).reverse()).values()];
    return [
      `WITH v(id, token, result) AS (VALUES ${firsts.map(() => '(CAST(? AS BIGINT), CAST(? AS TEXT), CAST(? AS TEXT))').join(', ')})
       UPDATE tasks SET status = 'completed', result = v.result, finished_at = ?, updated_at = ?, lease_token = NULL, lease_expires_at = NULL
       FROM v WHERE tasks.ws = ? AND tasks.id = v.id AND tasks.status = 'running' AND (v.token IS NULL OR tasks.lease_token = v.token)
       RETURNING ${PREFIXED_COLUMNS}`,
      [...firsts.flatMap((it) => [it.id, it.token, toJson(it.result ?? null)]), now, now, ws],
    ];
  }

  /**
   * completeMany's outcomes from the rows its statement changed: the items it did not match
   * (unknown, not running, lease lost, or the same task again) are checked one by one, in order, as
   * complete() would — and applied as it would: a later item of a task whose first one the
   * statement could not apply (a wrong lease, then the right one) completes it.
   */
  async function completedOutcomes(tx: SqlRunner, ws: number, items: readonly CompleteItem[], rows: unknown[], now: number): Promise<Array<TaskRecord | LeaseCheck>> {
    const done = new Map((rows as DbTask[]).map((r) => [Number(r.id), toTask(r)]));
    const out: Array<TaskRecord | LeaseCheck> = [];
    const applied: TaskRecord[] = [];
    for (const it of items) {
      const task = done.get(it.id);
      if (task) {
        done.delete(it.id);
        applied.push(task);
        out.push(task);
        continue;
      }
      const row = await lockRunning(db, tx, ws, it.id, it.token);
      out.push(typeof row === 'string' ? row : await updateReturning(tx, COMPLETE_SET, completeSetParams(it.result, now), ws, it.id));
    }
    // The statement's (updateReturning announced its own).
    announce(tx, ws, applied);
    return out;
  }

  /** The built-in runner's claim, over every workspace, each within its running cap. */
  async function claimAnywhere(tx: SqlRunner, req: ClaimRequest): Promise<TaskRecord[]> {
    // PERF: workspaces already at their cap are left out in SQL, so one busy workspace cannot fill the candidate list.
    const candidates = await tx.query<{ ws: number; id: number }>(
      `SELECT ws, id FROM tasks
       WHERE status = 'queued' AND run_at <= ? AND type IN (${marks(req.types.length)})
         AND ws NOT IN (SELECT ws FROM tasks WHERE status = 'running' GROUP BY ws HAVING COUNT(*) >= ?)
       ORDER BY run_at, ws, id LIMIT ?${db.skipLocked}`,
      // Exactly max: on PostgreSQL these rows are locked until commit, and every extra one is a row another node cannot claim.
      [req.now, ...req.types, req.cap, req.max],
    );
    if (candidates.length === 0) return [];
    const wsList = [...new Set(candidates.map((c) => Number(c.ws)))].sort((a, b) => a - b);
    // The running cap holds cluster-wide: claims in one workspace take turns on its row.
    if (db.forUpdate) await tx.query(`SELECT pk FROM workspaces WHERE pk IN (${marks(wsList.length)}) ORDER BY pk${db.forUpdate}`, wsList);
    const counts = await tx.query<{ ws: number; n: number }>(
      `SELECT ws, COUNT(*) AS n FROM tasks WHERE status = 'running' AND ws IN (${marks(wsList.length)}) GROUP BY ws`,
      wsList,
    );
    const free = new Map<number, number>(wsList.map((w) => [w, req.cap]));
    for (const c of counts) free.set(Number(c.ws), req.cap - Number(c.n));
    // The candidates each workspace has room for, then one UPDATE per workspace.
    const take = new Map<number, number[]>();
    let room = req.max;
    for (const c of candidates) {
      const ws = Number(c.ws);
      const slots = free.get(ws) ?? 0;
      if (slots <= 0 || room <= 0) continue;
      free.set(ws, slots - 1);
      room--;
      const ids = take.get(ws);
      if (ids) ids.push(Number(c.id));
      else take.set(ws, [Number(c.id)]);
    }
    const token = req.newToken();
    // No `status = 'queued'` here: the candidates are still queued (SQLite has one writer; on
    // PostgreSQL they are locked), and with it SQLite's planner took the queued-tasks index and
    // read every queued task of the workspace (~0.8 ms a claim at 10,000 queued) instead of the key.
    const claimed: TaskRecord[] = [];
    for (const [ws, ids] of take) {
      const rows = await tx.query<DbTask>(`UPDATE tasks SET ${CLAIM_SET} WHERE ws = ? AND id IN (${marks(ids.length)}) RETURNING ${COLUMNS}`, [
        ...claimSetParams(req, token),
        ws,
        ...ids,
      ]);
      claimed.push(...rows.map(toTask));
      tx.notify('task:changed', { ws });
    }
    return claimed;
  }

  /** Inserts queued tasks with ids from `first` on, in order; with their idempotency keys when `keyed`. */
  async function insertTasks(tx: SqlRunner, ws: number, first: number, tasks: readonly NewTask[], now: number, keyed: boolean): Promise<TaskRecord[]> {
    const key = keyed ? ', idempotency_key' : '';
    const rows = await tx.query<DbTask>(
      `INSERT INTO tasks (ws, id, name, type, status, payload, attempts, max_attempts, run_at, flushed, created_at, updated_at${key})
       VALUES ${tasks.map(() => `(?, ?, ?, ?, 'queued', ?, 0, ?, ?, 0, ?, ?${keyed ? ', ?' : ''})`).join(', ')} RETURNING ${COLUMNS}`,
      tasks.flatMap((t, i) => {
        const row: SqlParam[] = [ws, first + i, t.name, t.type, toJson(t.payload), t.maxAttempts, now, now, now];
        if (keyed) row.push(t.idempotencyKey ?? null);
        return row;
      }),
    );
    const created = rows.map(toTask).sort((a, b) => a.id - b.id);
    announce(tx, ws, created);
    return created;
  }

  /**
   * Enqueues in one transaction; answers one task per item, in order. An item whose idempotency key
   * is taken (by an earlier task, or an earlier item) gets that task; the others get consecutive ids.
   */
  async function createMany(ws: number, tasks: readonly NewTask[], now: number, reused?: (item: NewTask, task: TaskRecord, index: number) => void): Promise<TaskRecord[]> {
    if (tasks.length === 0) return [];
    return db.transaction(async (tx) => {
      const n = tasks.length;
      // The workspace row numbers its tasks; on PostgreSQL it stays locked to the commit, so
      // enqueues in one workspace go through here together (see TaskService.create), and a key
      // read below cannot be taken meanwhile by another node.
      const ids = await tx.query<{ first: number }>('UPDATE workspaces SET next_task_id = next_task_id + ? WHERE pk = ? RETURNING next_task_id - ? AS first', [n, ws, n]);
      const first = Number(ids[0].first);
      if (!tasks.some((t) => t.idempotencyKey !== undefined)) return insertTasks(tx, ws, first, tasks, now, false);
      const keys = [...new Set(tasks.flatMap((t) => (t.idempotencyKey === undefined ? [] : [t.idempotencyKey])))];

      const taken = new Map<string, TaskRecord>();
      const rows = await tx.query<DbTask & { idempotency_key: string }>(`SELECT ${COLUMNS}, idempotency_key FROM tasks WHERE ws = ? AND idempotency_key IN (${marks(keys.length)})`, [ws, ...keys]);
      for (const r of rows) taken.set(r.idempotency_key, toTask(r));
      // The items that create a task: those without a key, and the first with each key not taken.
      const fresh: number[] = [];
      const creator = new Map<string, number>();
      tasks.forEach((t, at) => {
        const key = t.idempotencyKey;
        if (key !== undefined && (taken.has(key) || creator.has(key))) return;
        if (key !== undefined) creator.set(key, fresh.length);
        fresh.push(at);
      });
      if (fresh.length < n) await tx.exec('UPDATE workspaces SET next_task_id = next_task_id - ? WHERE pk = ?', [n - fresh.length, ws]);
      const created = fresh.length === 0 ? [] : await insertTasks(tx, ws, first, fresh.map((at) => tasks[at]), now, true);
      const out: TaskRecord[] = new Array(n);
      fresh.forEach((at, i) => (out[at] = created[i]));
      tasks.forEach((t, at) => {
        if (out[at] !== undefined) return;
        out[at] = taken.get(t.idempotencyKey!) ?? created[creator.get(t.idempotencyKey!)!];
        reused?.(t, out[at], at);
      });
      return out;
    });
  }

  return {
    async create(ws, t, now) {
      return (await createMany(ws, [t], now))[0];
    },
    createMany,

    async list(ws) {
      const rows = await db.query<DbTask>(`SELECT ${COLUMNS} FROM tasks WHERE ws = ? AND flushed = 0 ORDER BY id`, [ws]);
      return rows.map(toTask);
    },

    async get(ws, id) {
      const rows = await db.query<DbTask>(`SELECT ${COLUMNS} FROM tasks WHERE ws = ? AND id = ? AND flushed = 0`, [ws, id]);
      return rows.length ? toTask(rows[0]) : null;
    },

    async deleteQueued(ws, id) {
      return db.transaction(async (tx) => {
        const n = await tx.exec("DELETE FROM tasks WHERE ws = ? AND id = ? AND status = 'queued' AND flushed = 0", [ws, id]);
        if (n > 0) {
          tx.notify('task:changed', { ws });
          return 'deleted' as const;
        }
        const rows = await tx.query('SELECT 1 AS x FROM tasks WHERE ws = ? AND id = ? AND flushed = 0', [ws, id]);
        return rows.length ? ('dispatched' as const) : ('not_found' as const);
      });
    },

    async flush(ws, now) {
      return db.transaction(async (tx) => {
        const n = await tx.exec("UPDATE tasks SET flushed = 1, updated_at = ? WHERE ws = ? AND flushed = 0 AND status <> 'queued'", [now, ws]);
        tx.notify('task:changed', { ws });
        return n;
      });
    },

    async claim(req) {
      if (req.max <= 0 || req.types.length === 0) return [];
      return claimOne(req, req.ws);
    },

    async heartbeat(ws, id, req) {
      return db.transaction(async (tx) => {
        const row = await lockRunning(db, tx, ws, id, req.token);
        if (typeof row === 'string') return row;
        const rows = await tx.query<DbTask>(`UPDATE tasks SET lease_expires_at = ?, updated_at = ? WHERE ws = ? AND id = ? RETURNING ${COLUMNS}`, [req.leaseExpiresAt, req.now, ws, id]);
        return toTask(rows[0]);
      });
    },

    async complete(ws, id, req) {
      return db.transaction(async (tx) => {
        const row = await lockRunning(db, tx, ws, id, req.token);
        if (typeof row === 'string') return row;
        return updateReturning(tx, COMPLETE_SET, completeSetParams(req.result, req.now), ws, id);
      });
    },

    async completeMany(ws, items, now) {
      if (items.length === 0) return [];
      return db.transaction(async (tx) => {
        // PERF: one statement for the batch.
        const rows = await tx.query(...completeStatement(ws, items, now));
        return completedOutcomes(tx, ws, items, rows, now);
      });
    },

    async completeAndClaim(ws, items, now, claim) {
      if (claim.ws !== ws) throw new Error('completeAndClaim claims in the workspace it completes in');
      const claims = claim.max > 0 && claim.types.length > 0;
      if (items.length === 0) return { outcomes: [], claimed: claims ? await claimOne(claim, ws) : [] };
      return db.transaction(async (tx) => {
        // The completions first: they lock only their own (running) rows, and no transaction
        // holding a workspace lock waits for a running row.
        const [done] = await tx.queryMany([completeStatement(ws, items, now)]);
        const outcomes = await completedOutcomes(tx, ws, items, done, now);
        if (!claims) return { outcomes, claimed: [] };
        // PERF: then the workspace lock, the claim and the COMMIT in one round trip (finish): on
        // PostgreSQL every claim in the workspace waits for this lock, and it is held for the
        // claim and the commit only. The claim's notification is the completions' own (the same
        // `task:changed`), announced before its rows are known: a claim of none is a spare hint.
        tx.notify('task:changed', { ws });
        const results = await tx.finish(claimStatements(claim, ws));
        return { outcomes, claimed: (results[results.length - 1] as unknown as DbTask[]).map(toTask).sort(byClaimOrder) };
      });
    },

    async fail(ws, id, req) {
      return db.transaction(async (tx) => {
        const row = await lockRunning(db, tx, ws, id, req.token);
        if (typeof row === 'string') return row;
        const retry = req.retryable ? req.decide(row.attempts, row.max_attempts) : null;
        if (retry) {
          return updateReturning(
            tx,
            "status = 'queued', run_at = ?, error = ?, updated_at = ?, runner = NULL, lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL, worker_id = NULL",
            [retry.retryAt, toJson(req.error ?? null), req.now],
            ws,
            id,
          );
        }
        return updateReturning(
          tx,
          "status = 'failed', error = ?, finished_at = ?, updated_at = ?, lease_token = NULL, lease_expires_at = NULL",
          [toJson(req.error ?? null), req.now, req.now],
          ws,
          id,
        );
      });
    },

    async release(ws, id, req) {
      return db.transaction(async (tx) => {
        const row = await lockRunning(db, tx, ws, id, req.token);
        if (typeof row === 'string') return row;
        return updateReturning(
          tx,
          "status = 'queued', attempts = attempts - 1, run_at = ?, updated_at = ?, runner = NULL, lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL, worker_id = NULL",
          [req.now, req.now],
          ws,
          id,
        );
      });
    },

    async expireLeases(now, decide, limit) {
      return db.transaction(async (tx) => {
        const rows = await tx.query<DbTask>(
          `SELECT ${COLUMNS} FROM tasks WHERE status = 'running' AND runner = 'external' AND lease_expires_at < ? LIMIT ?${db.skipLocked}`,
          [now, limit],
        );
        const out: TaskRecord[] = [];
        for (const row of rows) {
          const retry = decide(row.attempts, row.max_attempts);
          const error = toJson({ message: 'lease expired' });
          out.push(
            retry
              ? await updateReturning(
                  tx,
                  "status = 'queued', run_at = ?, error = ?, updated_at = ?, runner = NULL, lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL, worker_id = NULL",
                  [retry.retryAt, error, now],
                  row.ws,
                  row.id,
                )
              : await updateReturning(
                  tx,
                  "status = 'failed', error = ?, finished_at = ?, updated_at = ?, lease_token = NULL, lease_expires_at = NULL",
                  [error, now, now],
                  row.ws,
                  row.id,
                ),
          );
        }
        return out;
      });
    },

    async requeueOrphans({ now, ...holder }) {
      const owner = orphanedOwner(holder);
      return db.transaction(async (tx) => {
        const rows = await tx.query<{ ws: number }>(
          `UPDATE tasks SET status = 'queued', attempts = attempts - 1, run_at = ?, runner = NULL, lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL, worker_id = NULL
           WHERE status = 'running' AND runner = 'builtin' AND ${owner.sql} RETURNING ws`,
          [now, ...owner.params],
        );
        const touched = [...new Set(rows.map((r) => Number(r.ws)))];
        for (const ws of touched) {
          tx.notify('task:changed', { ws });
          tx.notify('task:available', { ws });
        }
        return touched;
      });
    },

    async countByStatus(ws) {
      const rows = await db.query<{ status: TaskStatus; n: number }>(
        `SELECT status, COUNT(*) AS n FROM tasks ${ws === null ? '' : 'WHERE ws = ?'} GROUP BY status`,
        ws === null ? [] : [ws],
      );
      const out: Record<TaskStatus, number> = { queued: 0, running: 0, completed: 0, failed: 0 };
      for (const r of rows) out[r.status] = Number(r.n);
      return out;
    },

    async hasDue(types, now) {
      if (types.length === 0) return false;
      const rows = await db.query(`SELECT 1 AS x FROM tasks WHERE status = 'queued' AND run_at <= ? AND type IN (${marks(types.length)}) LIMIT 1`, [now, ...types]);
      return rows.length > 0;
    },
  };
}
