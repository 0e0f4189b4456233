import { defineError } from '../errors.js';
import { IdempotencyKeyInvalid, readIdempotencyKey } from '../idempotency-key.js';

// Validation of task API bodies. Messages are the task API contract (issue 2) — keep them exact.
export const TaskBodyInvalid = defineError('WEFT_TASK_BODY_INVALID', 400, 'invalid request body');
export const TaskNameRequired = defineError('WEFT_TASK_NAME_REQUIRED', 400, 'name is required');
export const TaskTypeInvalid = defineError('WEFT_TASK_TYPE_INVALID', 400, 'invalid task type');
export const TaskIdInvalid = defineError('WEFT_TASK_ID_INVALID', 400, 'invalid task id');
export const TaskFieldUnknown = defineError('WEFT_TASK_FIELD_UNKNOWN', 400, (field: string) => `unknown field: ${field}`);
export const TaskFieldInvalid = defineError('WEFT_TASK_FIELD_INVALID', 400, (message: string) => message);
export const TaskNotFound = defineError('WEFT_TASK_NOT_FOUND', 404, (id: number) => `task ${id} not found`);
export const TaskDispatched = defineError('WEFT_TASK_DISPATCHED', 404, (id: number) => `task ${id} has already been dispatched`);
export const TaskNotRunning = defineError('WEFT_TASK_NOT_RUNNING', 409, (id: number) => `task ${id} is not running`);
export const TaskLeaseLost = defineError('WEFT_TASK_LEASE_LOST', 409, (id: number) => `task ${id} is not held by this lease (it expired and the task was claimed again, or the lease is not this task's)`);

// Default 1000 characters: a name is a label, not a payload.
const MAX_NAME = 1000;
// Default 64 KiB of JSON: payloads larger than this belong in object storage.
const MAX_PAYLOAD_CHARS = 65536;

export interface TaskInput {
  name: string;
  type: string;
  payload: unknown;
  maxAttempts: number | null;
  /** From the Idempotency-Key header (a batch's `idempotency_key`): sent again, the same task answers. */
  idempotencyKey?: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const FIELDS = ['name', 'type', 'payload', 'max_attempts'];
// A batch's tasks name their key in the body (POST /tasks takes it as the Idempotency-Key header).
const BATCH_FIELDS = [...FIELDS, 'idempotency_key'];

export function readTaskInput(body: unknown, catalog: ReadonlyMap<string, number>, inBatch = false): TaskInput {
  if (!isObject(body)) throw TaskBodyInvalid();
  for (const k of Object.keys(body)) if (!(inBatch ? BATCH_FIELDS : FIELDS).includes(k)) throw TaskFieldUnknown(k);
  const { name, type, payload } = body;
  if (typeof name !== 'string' || name.trim() === '') throw TaskNameRequired();
  if (name.length > MAX_NAME) throw TaskFieldInvalid(`name is longer than ${MAX_NAME} characters`);
  if (typeof type !== 'string' || !catalog.has(type)) throw TaskTypeInvalid();
  if (payload !== undefined && JSON.stringify(payload).length > MAX_PAYLOAD_CHARS) throw TaskFieldInvalid(`payload is larger than ${MAX_PAYLOAD_CHARS} characters of JSON`);
  let maxAttempts: number | null = null;
  if (body.max_attempts !== undefined) {
    const m = body.max_attempts;
    if (typeof m !== 'number' || !Number.isInteger(m) || m < 1 || m > 1000) throw TaskFieldInvalid('max_attempts must be an integer between 1 and 1000');
    maxAttempts = m;
  }
  const input: TaskInput = { name, type, payload: payload ?? null, maxAttempts };
  if (inBatch && body.idempotency_key !== undefined) {
    if (typeof body.idempotency_key !== 'string') throw IdempotencyKeyInvalid();
    input.idempotencyKey = readIdempotencyKey(body.idempotency_key);
  }
  return input;
}

// Default 1,000 tasks per batch: what the peers' bulk inserts take per call, and one statement here.
export const MAX_BATCH_TASKS = 1000;

export const TaskBatchInvalid = defineError('WEFT_TASK_BATCH_INVALID', 400, (message: string) => message);

/**
 * A bulk enqueue body: `{"tasks": [task, …]}`, 1 to MAX_BATCH_TASKS tasks, each as POST /tasks takes
 * it. A bad task fails the whole batch, naming it: `tasks[3]: name is required` (details.index and
 * details.code say which and why).
 */
export function readTaskBatch(body: unknown, catalog: ReadonlyMap<string, number>): TaskInput[] {
  if (!isObject(body)) throw TaskBodyInvalid();
  for (const k of Object.keys(body)) if (k !== 'tasks') throw TaskFieldUnknown(k);
  const list = body.tasks;
  if (!Array.isArray(list) || list.length === 0 || list.length > MAX_BATCH_TASKS) throw TaskBatchInvalid(`tasks must be an array of 1 to ${MAX_BATCH_TASKS} tasks`);
  return list.map((item, index) => {
    try {
      return readTaskInput(item, catalog, true);
    } catch (err) {
      const e = err as { code?: string; message?: string };
      throw TaskBatchInvalid(`tasks[${index}]: ${e.message}`, { details: { index, code: e.code } });
    }
  });
}

/** Task ids are positive integers; anything else (text, fractions, beyond 2^53) is a 400. */
export function readTaskId(raw: string): number {
  if (!/^[1-9][0-9]{0,15}$/.test(raw)) throw TaskIdInvalid();
  const n = Number(raw);
  if (!Number.isSafeInteger(n)) throw TaskIdInvalid();
  return n;
}

export interface ClaimInput {
  types: string[];
  max: number;
  waitMs: number;
  workerId: string | null;
}

// Default 100 tasks per claim and 30 s of long poll: enough to amortise round trips, short enough for proxies.
const MAX_CLAIM = 100;
const MAX_WAIT_MS = 30000;

export function readClaimInput(body: unknown): ClaimInput {
  if (!isObject(body)) throw TaskBodyInvalid();
  for (const k of Object.keys(body)) if (!['types', 'max', 'wait_ms', 'worker_id'].includes(k)) throw TaskFieldUnknown(k);
  const { types, max = 1, wait_ms = 0, worker_id = null } = body;
  if (!Array.isArray(types) || types.length === 0 || types.length > 100 || !types.every((t) => typeof t === 'string' && t.length > 0 && t.length <= 200)) {
    throw TaskFieldInvalid('types must be an array of 1 to 100 task type names (1 to 200 characters each)');
  }
  if (typeof max !== 'number' || !Number.isInteger(max) || max < 1 || max > MAX_CLAIM) throw TaskFieldInvalid(`max must be an integer between 1 and ${MAX_CLAIM}`);
  if (typeof wait_ms !== 'number' || !Number.isInteger(wait_ms) || wait_ms < 0 || wait_ms > MAX_WAIT_MS) throw TaskFieldInvalid(`wait_ms must be an integer between 0 and ${MAX_WAIT_MS}`);
  if (worker_id !== null && (typeof worker_id !== 'string' || worker_id.length > 200)) throw TaskFieldInvalid('worker_id must be a string of at most 200 characters');
  return { types: [...new Set(types as string[])], max, waitMs: wait_ms, workerId: worker_id as string | null };
}

export function readOptionalObject(body: unknown): Record<string, unknown> {
  if (body === undefined || body === null || body === '') return {};
  if (!isObject(body)) throw TaskBodyInvalid();
  return body;
}
