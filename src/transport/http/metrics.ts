import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { FastifyInstance } from 'fastify';
import type { Engine } from '../../engine/engine.js';

/** Prometheus metrics, one registry per server (no module-level singletons). */
export function installMetrics(app: FastifyInstance, engine: Engine) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'weft_' });
  const requests = new Histogram({
    name: 'weft_http_request_duration_seconds',
    help: 'HTTP request duration by route and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5],
    registers: [registry],
  });
  const tasksCompleted = new Counter({ name: 'weft_tasks_completed_total', help: 'Tasks completed on this node', registers: [registry] });
  const tasksFailed = new Counter({ name: 'weft_tasks_failed_total', help: 'Tasks failed for good on this node', registers: [registry] });
  new Gauge({
    name: 'weft_tasks',
    help: 'Tasks by status (all workspaces)',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      const counts = await engine.store.tasks.countByStatus(null);
      for (const [status, n] of Object.entries(counts)) this.set({ status }, n);
    },
  });
  // Every node hears every commit's notifications (PostgreSQL): each counts only those it committed.
  const here = (e: { node?: string | null }) => e.node == null || e.node === engine.settings.nodeId;
  const offs = [
    engine.bus.on('task:completed', (e) => here(e) && tasksCompleted.inc(e.count)),
    engine.bus.on('task:failed', (e) => here(e) && tasksFailed.inc(e.count)),
  ];
  app.addHook('onClose', async () => offs.forEach((off) => off()));

  app.addHook('onResponse', async (req, reply) => {
    requests.observe({ method: req.method, route: req.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });

  const text = { description: 'the text exposition format', content: { 'text/plain': { schema: { type: 'string' } } } } as const;
  const schema = { tags: ['operations'], summary: 'Prometheus metrics', response: { 200: text } };
  app.get('/metrics', { config: { public: !engine.settings.metricsRequireKey, noWorkspace: true }, schema }, async (_req, reply) => {
    reply.header('content-type', registry.contentType);
    return registry.metrics();
  });
  return registry;
}
