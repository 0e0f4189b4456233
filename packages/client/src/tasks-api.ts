import type { Transport } from './rest-client.js';
import { WeftError } from './errors.js';
import type { BatchTaskInput, ClaimedTask, ClaimInput, CreateTaskInput, Task } from './api-types.js';
import { watchTasks, type TaskWatch, type TaskWatchOptions } from './socket-stream.js';

export interface TasksApi {
  list(): Promise<Task[]>;
  /**
   * Enqueues a task. With `idempotencyKey` (sent as the Idempotency-Key header) the request is retried
   * like a read, since a repeat answers the task the first one created.
   */
  create(input: CreateTaskInput, opts?: { idempotencyKey?: string }): Promise<Task>;
  /**
   * Enqueues up to 1,000 tasks in one transaction (POST /v1/tasks/batch); all or none, ids in order.
   * A task with a taken `idempotency_key` answers the key's task.
   */
  createMany(inputs: BatchTaskInput[]): Promise<Task[]>;
  get(id: number): Promise<Task>;
  /**
   * Deletes a queued task (404 WEFT_TASK_DISPATCHED once dispatched). A retry after a lost answer that
   * finds no task (404 WEFT_TASK_NOT_FOUND) counts as deleted: the first attempt deleted it.
   */
  delete(id: number): Promise<void>;
  flush(): Promise<void>;
  /** Long-poll claim (POST /v1/tasks/claim); workers use createWorker, which claims over /ws/workers. */
  claim(input: ClaimInput, signal?: AbortSignal): Promise<ClaimedTask[]>;
  /** `signal` (here and on complete, fail, release) abandons the request and its retries. */
  heartbeat(id: number, lease?: string, signal?: AbortSignal): Promise<Task>;
  complete(id: number, input: { lease?: string; result?: unknown }, signal?: AbortSignal): Promise<Task>;
  fail(id: number, input: { lease?: string; error?: unknown; retryable?: boolean }, signal?: AbortSignal): Promise<Task>;
  release(id: number, lease?: string, signal?: AbortSignal): Promise<Task>;
  /** The task catalog: each type, the built-in runner's maximum run time, and who runs it. */
  types(): Promise<{ type: string; max_seconds: number; runner: 'builtin' | 'worker' }[]>;
  /** Streams the workspace's task array (/ws/tasks): on connect, after every change, at least once a second. */
  watch(onTasks: (tasks: Task[]) => void, opts?: TaskWatchOptions): TaskWatch;
}

export function createTasksApi(t: Transport): TasksApi {
  const { raw, unwrap, policy, creating } = t;
  const path = (id: number) => ({ path: { id: String(id) } });
  return {
    list: async () => (await unwrap<{ tasks: Task[] }>(raw.GET('/tasks', policy(true)))).tasks,
    create: async (input, opts = {}) => (await unwrap<{ task: Task }>(raw.POST('/tasks', { body: input, ...creating(opts.idempotencyKey) }))).task,
    createMany: async (inputs) => (await unwrap<{ tasks: Task[] }>(raw.POST('/v1/tasks/batch', { body: { tasks: inputs }, ...policy(false) }))).tasks,
    get: async (id) => (await unwrap<{ task: Task }>(raw.GET('/tasks/{id}', { params: path(id), ...policy(true) }))).task,
    async delete(id) {
      const call = t.tracked();
      try {
        await unwrap<void>(raw.DELETE('/tasks/{id}', { params: path(id), fetch: call.fetch }));
      } catch (err) {
        if (!(call.inDoubt() && err instanceof WeftError && err.code === 'WEFT_TASK_NOT_FOUND')) throw err;
      }
    },
    flush: () => unwrap<void>(raw.POST('/tasks/flush', policy(true))),
    // A claim lost in the network leaves its tasks leased until the lease expires: not retried blindly.
    claim: async (input, signal) => (await unwrap<{ tasks: ClaimedTask[] }>(raw.POST('/v1/tasks/claim', { body: input, signal, ...policy(false) }))).tasks,
    heartbeat: async (id, lease, signal) => (await unwrap<{ task: Task }>(raw.POST('/v1/tasks/{id}/heartbeat', { params: path(id), body: { lease }, signal, ...policy(true) }))).task,
    complete: async (id, input, signal) => (await unwrap<{ task: Task }>(raw.POST('/v1/tasks/{id}/complete', { params: path(id), body: input, signal, ...policy(false) }))).task,
    fail: async (id, input, signal) => (await unwrap<{ task: Task }>(raw.POST('/v1/tasks/{id}/fail', { params: path(id), body: input, signal, ...policy(false) }))).task,
    types: async () => (await unwrap<{ types: { type: string; max_seconds: number; runner: 'builtin' | 'worker' }[] }>(raw.GET('/v1/task-types', policy(true)))).types,
    watch: (onTasks, opts) => watchTasks(t, onTasks, opts),
    release: async (id, lease, signal) => (await unwrap<{ task: Task }>(raw.POST('/v1/tasks/{id}/release', { params: path(id), body: { lease }, signal, ...policy(false) }))).task,
  };
}
