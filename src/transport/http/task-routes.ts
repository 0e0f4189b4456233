import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Engine } from '../../engine/engine.js';
import { readIdempotencyKey } from '../../core/idempotency-key.js';
import { MAX_BATCH_TASKS, readClaimInput, readOptionalObject, readTaskBatch, readTaskId, readTaskInput, TaskFieldInvalid } from '../../core/queue/task-request.js';
import { renderClaimedTask, renderTask } from './task-render.js';

// The task API (issue 2): /tasks… exactly as the contract spells it, and the worker protocol under /v1/tasks.
// Route schemas document the API (OpenAPI); validation happens in core/queue/task-request.ts so that the
// messages are the contract's.

const taskSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    name: { type: 'string' },
    type: { type: 'string' },
    status: { type: 'string', enum: ['queued', 'running', 'completed', 'failed'] },
    attempts: { type: 'integer' },
    max_attempts: { type: 'integer' },
    payload: {},
    result: {},
    error: {},
    worker: { type: ['string', 'null'] },
    lease_expires_at: { type: ['string', 'null'] },
    run_at: { type: ['string', 'null'] },
    created_at: { type: 'string' },
    started_at: { type: ['string', 'null'] },
    finished_at: { type: ['string', 'null'] },
  },
} as const;
const newTaskSchema = { type: 'object', required: ['name', 'type'], properties: { name: { type: 'string' }, type: { type: 'string' }, payload: {}, max_attempts: { type: 'integer' } } } as const;
const batchTaskSchema = {
  ...newTaskSchema,
  properties: { ...newTaskSchema.properties, idempotency_key: { type: 'string', description: 'as the Idempotency-Key header of POST /tasks' } },
} as const;
const messageSchema = { type: 'object', properties: { message: { type: 'string' } } } as const;
const idParam = { type: 'object', properties: { id: { type: 'string' } } } as const;

const ws = (req: FastifyRequest) => req.workspace!.pk;

function leaseOf(body: Record<string, unknown>): string | null {
  const lease = body.lease;
  if (lease === undefined || lease === null) return null;
  if (typeof lease !== 'string') throw TaskFieldInvalid('lease must be a string');
  return lease;
}

export function registerTaskRoutes(app: FastifyInstance, engine: Engine) {
  const tasks = engine.tasks;
  const tags = ['tasks'];

  app.get('/tasks', { schema: { tags, summary: "The workspace's tasks", response: { 200: { type: 'object', properties: { tasks: { type: 'array', items: taskSchema } } } } } }, async (req) => ({
    tasks: (await tasks.list(ws(req))).map(renderTask),
  }));

  app.post(
    '/tasks',
    {
      schema: {
        tags,
        summary: 'Create a task (with an Idempotency-Key, the same request sent again answers the task it created)',
        headers: { type: 'object', properties: { 'idempotency-key': { type: 'string', description: '1 to 255 visible ASCII characters, unique per task in the workspace' } } },
        body: newTaskSchema,
        response: { 200: { type: 'object', properties: { task: taskSchema } }, 400: messageSchema, 422: messageSchema },
      },
    },
    async (req) => {
      const input = readTaskInput(req.body, engine.settings.taskTypes);
      const key = readIdempotencyKey(req.headers['idempotency-key']);
      return { task: renderTask(await tasks.create(ws(req), key === undefined ? input : { ...input, idempotencyKey: key })) };
    },
  );

  app.post(
    '/v1/tasks/batch',
    {
      schema: {
        tags,
        summary: `Create up to ${MAX_BATCH_TASKS} tasks at once (one transaction; ids consecutive, in order; a task with a taken idempotency_key answers the key's task)`,
        body: { type: 'object', required: ['tasks'], properties: { tasks: { type: 'array', items: batchTaskSchema, maxItems: MAX_BATCH_TASKS } } },
        response: { 200: { type: 'object', required: ['tasks'], properties: { tasks: { type: 'array', items: taskSchema } } }, 400: messageSchema, 422: messageSchema },
      },
    },
    async (req) => ({ tasks: (await tasks.createMany(ws(req), readTaskBatch(req.body, engine.settings.taskTypes))).map(renderTask) }),
  );

  app.get('/tasks/:id', { schema: { tags, summary: 'One task', params: idParam, response: { 200: { type: 'object', properties: { task: taskSchema } }, 400: messageSchema, 404: messageSchema } } }, async (req) => ({
    task: renderTask(await tasks.get(ws(req), readTaskId((req.params as { id: string }).id))),
  }));

  app.delete('/tasks/:id', { schema: { tags, summary: 'Delete a queued task', params: idParam, response: { 204: { type: 'null' }, 400: messageSchema, 404: messageSchema } } }, async (req, reply) => {
    await tasks.remove(ws(req), readTaskId((req.params as { id: string }).id));
    return reply.code(204).send();
  });

  app.post('/tasks/flush', { schema: { tags, summary: 'Hide every task that has left the queue', response: { 204: { type: 'null' } } } }, async (req, reply) => {
    await tasks.flush(ws(req));
    return reply.code(204).send();
  });

  const workerTags = ['workers'];
  app.post(
    '/v1/tasks/claim',
    {
      schema: {
        tags: workerTags,
        summary: 'Claim tasks (long poll)',
        body: {
          type: 'object',
          required: ['types'],
          properties: {
            types: { type: 'array', items: { type: 'string' } },
            max: { type: 'integer', minimum: 1, maximum: 100, default: 1 },
            wait_ms: { type: 'integer', minimum: 0, maximum: 30000, default: 0 },
            worker_id: { type: 'string' },
          },
        },
        response: { 200: { type: 'object', properties: { tasks: { type: 'array', items: { ...taskSchema, properties: { ...taskSchema.properties, lease: { type: 'string' } } } } } }, 400: messageSchema },
      },
    },
    async (req, reply) => {
      const input = readClaimInput(req.body);
      const abort = new AbortController();
      // The response's 'close' (not the request's, which fires once the body is read): the worker went away.
      reply.raw.once('close', () => abort.abort());
      const claimed = await tasks.claim(ws(req), input, abort.signal);
      return { tasks: claimed.map(renderClaimedTask) };
    },
  );

  const finishSchema = (summary: string, extra: Record<string, unknown>) => ({
    tags: workerTags,
    summary,
    params: idParam,
    body: { type: 'object', properties: { lease: { type: 'string' }, ...extra } },
    response: { 200: { type: 'object', properties: { task: taskSchema } }, 404: messageSchema, 409: messageSchema },
  });

  app.post('/v1/tasks/:id/heartbeat', { schema: finishSchema('Extend the lease of a claimed task', {}) }, async (req) => {
    const body = readOptionalObject(req.body);
    return { task: renderTask(await tasks.heartbeat(ws(req), readTaskId((req.params as { id: string }).id), leaseOf(body))) };
  });

  app.post('/v1/tasks/:id/complete', { schema: finishSchema('Complete a claimed task', { result: {} }) }, async (req) => {
    const body = readOptionalObject(req.body);
    return { task: renderTask(await tasks.complete(ws(req), readTaskId((req.params as { id: string }).id), leaseOf(body), body.result ?? null)) };
  });

  app.post('/v1/tasks/:id/fail', { schema: finishSchema('Fail a claimed task (retried with backoff while attempts remain)', { error: {}, retryable: { type: 'boolean' } }) }, async (req) => {
    const body = readOptionalObject(req.body);
    if (body.retryable !== undefined && typeof body.retryable !== 'boolean') throw TaskFieldInvalid('retryable must be a boolean');
    const task = await tasks.fail(ws(req), readTaskId((req.params as { id: string }).id), leaseOf(body), body.error ?? null, body.retryable !== false);
    return { task: renderTask(task) };
  });

  app.post('/v1/tasks/:id/release', { schema: finishSchema('Return a claimed task to the queue without counting the attempt', {}) }, async (req) => {
    const body = readOptionalObject(req.body);
    return { task: renderTask(await tasks.release(ws(req), readTaskId((req.params as { id: string }).id), leaseOf(body))) };
  });
}
