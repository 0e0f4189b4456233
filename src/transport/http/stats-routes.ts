import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Engine } from '../../engine/engine.js';
import { defineError } from '../../core/errors.js';

// Summaries for the dashboard and operators: counts by status, throughput per minute, the task
// catalog, and an endpoint's saved state.

export const StatsQueryInvalid = defineError('WEFT_STATS_QUERY_INVALID', 400, (message: string) => message);

const ws = (req: FastifyRequest) => req.workspace!.pk;
const byStatus = { type: 'object', additionalProperties: { type: 'integer' }, description: 'status → count (statuses with none left out)' } as const;
const queryError = { type: 'object', properties: { message: { type: 'string' } } } as const;
const stateError = { type: 'object', properties: { error: { type: 'string' } } } as const;
const iso = (ms: number) => new Date(ms).toISOString();

function intParam(raw: unknown, name: string, min: number, max: number, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw StatsQueryInvalid(`${name} must be an integer between ${min} and ${max}`);
  return n;
}

export function registerStatsRoutes(app: FastifyInstance, engine: Engine) {
  const tags = ['stats'];
  app.get(
    '/v1/stats/counts',
    {
      schema: {
        tags,
        summary: 'Counts by status for every capability in the workspace',
        response: { 200: { type: 'object', properties: { tasks: byStatus, flow_instances: byStatus, processes: byStatus, endpoints: { type: 'integer' } } } },
      },
    },
    async (req) => {
      const c = await engine.store.stats.counts(ws(req));
      return { tasks: c.tasks, flow_instances: c.flowInstances, processes: c.processes, endpoints: c.endpoints };
    },
  );

  app.get(
    '/v1/stats/throughput',
    {
      schema: {
        tags,
        summary: 'Tasks completed and flow transitions fired per minute',
        querystring: { type: 'object', properties: { minutes: { type: 'integer' } } },
        response: {
          200: {
            type: 'object',
            properties: {
              minutes: { type: 'array', items: { type: 'object', properties: { at: { type: 'string' }, tasks_completed: { type: 'integer' }, transitions_fired: { type: 'integer' } } } },
            },
          },
          400: queryError,
        },
      },
    },
    async (req) => {
      // Default the last 60 minutes, at most a day.
      const minutes = intParam((req.query as Record<string, unknown>).minutes, 'minutes', 1, 1440, 60);
      const now = engine.clock.now();
      const buckets = await engine.store.stats.throughput(ws(req), now - (minutes - 1) * 60000, now);
      return { minutes: buckets.map((b) => ({ at: iso(b.at), tasks_completed: b.tasksCompleted, transitions_fired: b.transitionsFired })) };
    },
  );

  app.get(
    '/v1/task-types',
    {
      config: { noWorkspace: true },
      schema: {
        tags: ['tasks'],
        summary: 'The task catalog and who runs each type',
        response: {
          200: {
            type: 'object',
            properties: {
              types: {
                type: 'array',
                items: { type: 'object', properties: { type: { type: 'string' }, max_seconds: { type: 'number' }, runner: { type: 'string', enum: ['builtin', 'worker'] } } },
              },
            },
          },
        },
      },
    },
    async () => {
      const worker = new Set(engine.settings.workerTypes);
      return {
        types: [...engine.settings.taskTypes].map(([type, ms]) => ({ type, max_seconds: ms / 1000, runner: worker.has(type) ? 'worker' : 'builtin' })),
      };
    },
  );

  app.get(
    '/endpoints/:id/state',
    {
      config: { errorStyle: 'error' },
      schema: {
        tags: ['endpoints'],
        summary: "An endpoint's saved state records, newest first",
        querystring: { type: 'object', properties: { limit: { type: 'integer' } } },
        response: {
          200: { type: 'object', properties: { records: { type: 'array', items: { type: 'object', properties: { created_at: { type: 'string' }, record: {} } } } } },
          400: stateError,
          404: stateError,
        },
      },
    },
    async (req) => {
      // Default 20 records, at most the 100 weft keeps.
      const limit = intParam((req.query as Record<string, unknown>).limit, 'limit', 1, 100, 20);
      const records = await engine.endpoints.states(ws(req), (req.params as { id: string }).id, limit);
      return { records: records.map((r) => ({ created_at: iso(r.createdAt), record: r.record })) };
    },
  );
}
