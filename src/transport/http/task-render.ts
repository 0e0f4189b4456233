import type { TaskRecord } from '../../storage/task-store.js';
import { isoTime } from '../../core/iso-time.js';

const iso = (ms: number | null) => (ms === null ? null : isoTime(ms));

/** A task as the API shows it: the contract's four fields first, then the rest. */
export function renderTask(t: TaskRecord) {
  return {
    id: t.id,
    name: t.name,
    type: t.type,
    status: t.status,
    attempts: t.attempts,
    max_attempts: t.maxAttempts,
    payload: t.payload,
    result: t.result,
    error: t.error,
    worker: t.workerId,
    lease_expires_at: iso(t.leaseExpiresAt),
    run_at: iso(t.runAt),
    created_at: iso(t.createdAt),
    started_at: iso(t.startedAt),
    finished_at: iso(t.finishedAt),
  };
}

/** A claimed task, for the worker that holds it: with its lease token. */
export function renderClaimedTask(t: TaskRecord) {
  return { ...renderTask(t), lease: t.leaseToken };
}
