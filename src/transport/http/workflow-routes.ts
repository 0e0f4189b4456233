import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Engine } from '../../engine/engine.js';
import { Forbidden, isWeftError } from '../../core/errors.js';
import {
  readDefinitionInput, readDeliveryFilter, readLaunchInput, readProceedFields, readReplayInput, readStatusFilter, type ProceedAccess,
} from '../../engine/process/index.js';
import { readIdempotencyKey } from '../../core/idempotency-key.js';
import { authenticateRequest, readApiKey } from './auth-hook.js';
import { readBody } from './workflow-form.js';
import { renderDefinition, renderDelivery, renderProcess, renderProcessSummary } from './workflow-render.js';

// The workflows API v1 (issue 4), routes, statuses and messages exactly as the contract spells
// them: errors render {"error": …}; actions answer 201 with the text `OK`.

// The workflows API answers {"error": …} and takes form-encoded bodies as well as JSON.
const config = { errorStyle: 'error', formBody: true } as const;
const tags = ['processes'];
const errorSchema = {
  type: 'object',
  required: ['error'],
  properties: { error: { type: 'string' }, details: { type: 'object', description: 'where a definition failed to parse: message, line, column' } },
} as const;
const wfidParam = { type: 'object', properties: { wfid: { type: 'string' } } } as const;
// The answers, as workflow-render.ts renders them (documentation: responses are not filtered).
const isoOrNull = { type: ['string', 'null'] } as const;
const summaryProperties = {
  id: { type: 'string' },
  name: { type: ['string', 'null'] },
  revision: { type: ['integer', 'string', 'null'], description: "a stored definition's revision (a number, as /v1/definitions shows it), or the definition's revision attribute as given" },
  definition: { type: ['string', 'null'], description: 'the stored definition it was launched from' },
  status: { type: 'string', enum: ['running', 'completed', 'cancelled', 'error'] },
  paused: { type: 'boolean' },
  launched_at: { type: 'string' },
  ended_at: isoOrNull,
} as const;
const summarySchema = { type: 'object', properties: summaryProperties } as const;
const processSchema = {
  type: 'object',
  properties: {
    ...summaryProperties,
    fields: { type: 'object', additionalProperties: true },
    variables: { type: 'object', additionalProperties: true },
    workitems: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          workitem_id: { type: 'string' },
          participant: { type: 'string' },
          fields: { type: 'object', additionalProperties: true },
          proceed_url: { type: 'string' },
          dispatched_at: isoOrNull,
          delivery: {
            type: ['object', 'null'],
            description: 'the latest active callback sent for the workitem',
            properties: {
              state: { type: 'string', enum: ['pending', 'delivered', 'failed', 'superseded'] },
              attempts: { type: 'integer' },
              next_attempt_at: isoOrNull,
              last_error: { type: ['string', 'null'] },
            },
          },
        },
      },
    },
    errors: { type: 'array', items: { type: 'object', properties: { id: { type: 'string' }, expid: { type: 'string' }, message: { type: 'string' }, at: { type: 'string' } } } },
    tree: { description: 'the process definition, as a JSON tree' },
    trace: { type: 'array', items: { type: 'string' } },
  },
} as const;
const deliverySchema = {
  type: 'object',
  properties: {
    webhook_id: { type: 'string', description: 'the webhook-id header it is sent with' },
    workflow_id: { type: 'string' },
    workitem_id: { type: 'string' },
    participant: { type: 'string' },
    status: { type: 'string', enum: ['active', 'cancel', 'timeout', 'error'] },
    url: { type: 'string' },
    state: { type: 'string', enum: ['pending', 'delivered', 'failed', 'superseded'] },
    attempts: { type: 'integer', description: 'attempts made so far' },
    next_attempt_at: { ...isoOrNull, description: 'when a pending delivery is sent next' },
    last_error: { type: ['string', 'null'] },
    created_at: { type: 'string' },
    finished_at: isoOrNull,
  },
} as const;
const definitionSummary = { name: { type: 'string' }, revision: { type: 'integer' }, created_at: { type: 'string' } } as const;
const definitionSchema = { type: 'object', properties: { ...definitionSummary, workflow: { description: 'the definition as it was saved' }, tree: { description: 'its JSON tree' } } } as const;
// The actions answer 201 with the text `OK`.
const okText = { description: 'OK', content: { 'text/plain': { schema: { type: 'string' } } } } as const;
const actionResponses = { 201: okText, 400: errorSchema } as const;
const launchBody = {
  type: 'object',
  properties: {
    workflow: { description: 'a definition: JSON tree (array or text), XML or Radial text' },
    definition: { type: 'string', description: 'the name of a stored definition (its latest revision), instead of workflow' },
    callback: { type: 'string', description: 'one URL for every participant' },
    callbacks: { type: 'object', additionalProperties: { type: 'string' }, description: 'participant name → URL' },
    fields: { type: 'object' },
    variables: { type: 'object' },
  },
} as const;

const ws = (req: FastifyRequest) => req.workspace!.pk;
const params = (req: FastifyRequest) => req.params as Record<string, string>;
const body = (req: FastifyRequest) => readBody(req.body, req.headers['content-type']);
const ok = (reply: FastifyReply) => reply.code(201).type('text/plain; charset=utf-8').send('OK');

/**
 * The proceed_url's token and/or an API key of the process's workspace: either lets the proceed
 * through (a key that fails is ignored when there is a token).
 */
async function proceedAccess(req: FastifyRequest, engine: Engine): Promise<ProceedAccess> {
  const raw = (req.query as Record<string, unknown> | undefined)?.token;
  const token = typeof raw === 'string' && raw !== '' ? raw : undefined;
  if (readApiKey(req) === undefined) {
    if (token === undefined) throw Forbidden();
    return { token };
  }
  try {
    const { workspace } = await authenticateRequest(req, engine);
    return token === undefined ? { ws: workspace.pk } : { token, ws: workspace.pk };
  } catch (err) {
    if (token === undefined || !isWeftError(err)) throw err;
    return { token };
  }
}

export function registerWorkflowRoutes(app: FastifyInstance, engine: Engine) {
  const processes = engine.processes;

  app.get('/v1/ping', { config: { ...config, noWorkspace: true }, schema: { tags, summary: 'Ping', response: { 200: { type: 'object', properties: { ping: { type: 'string' } } } } } }, async () => ({ ping: 'pong' }));

  app.post(
    '/v1/workflows',
    {
      config,
      schema: {
        tags,
        summary: 'Launch a process (JSON or form-encoded; with an Idempotency-Key, the same launch sent again answers the process it started)',
        headers: { type: 'object', properties: { 'idempotency-key': { type: 'string', description: '1 to 255 visible ASCII characters, unique per process in the workspace' } } },
        body: launchBody,
        response: { 201: { type: 'object', properties: { id: { type: 'string' } } }, 400: errorSchema, 422: errorSchema },
      },
    },
    async (req, reply) => {
      const input = readLaunchInput(body(req));
      const key = readIdempotencyKey(req.headers['idempotency-key']);
      const { wfid } = await processes.launch(ws(req), key === undefined ? input : { ...input, idempotencyKey: key });
      return reply.code(201).send({ id: wfid });
    },
  );

  app.get(
    '/v1/workflows',
    {
      config,
      schema: {
        tags,
        summary: "The workspace's processes, newest first",
        querystring: { type: 'object', properties: { status: { type: 'string' } } },
        response: { 200: { type: 'object', properties: { workflows: { type: 'array', items: summarySchema } } }, 400: errorSchema },
      },
    },
    async (req) => {
      const status = readStatusFilter((req.query as Record<string, unknown>).status);
      return { workflows: (await processes.list(ws(req), status)).map(renderProcessSummary) };
    },
  );

  app.get('/v1/workflows/:wfid', { config, schema: { tags, summary: 'One process: status, workitems and their deliveries, errors, tree, trace', params: wfidParam, response: { 200: processSchema, 404: errorSchema } } }, async (req) =>
    renderProcess(await processes.get(ws(req), params(req).wfid)),
  );

  app.post(
    '/v1/workflows/:wfid/workitems/:workitem_id/proceed',
    {
      config: { ...config, public: true },
      schema: {
        tags,
        summary: "Proceed a workitem (with the proceed_url's token, or an API key)",
        params: { type: 'object', properties: { wfid: { type: 'string' }, workitem_id: { type: 'string' } } },
        body: { type: 'object', properties: { fields: { type: 'object' } } },
        response: { ...actionResponses, 403: errorSchema },
        security: [],
      },
    },
    async (req, reply) => {
      const access = await proceedAccess(req, engine);
      const { wfid, workitem_id } = params(req);
      await processes.proceed(wfid, workitem_id, readProceedFields(body(req)), access);
      return ok(reply);
    },
  );

  app.post(
    '/v1/workflows/:wfid/workitems/:workitem_id/redeliver',
    {
      config,
      schema: {
        tags,
        summary: "Send a workitem's pending delivery now instead of at its next retry",
        params: { type: 'object', properties: { wfid: { type: 'string' }, workitem_id: { type: 'string' } } },
        response: actionResponses,
      },
    },
    async (req, reply) => {
      const { wfid, workitem_id } = params(req);
      await processes.redeliver(ws(req), wfid, workitem_id);
      return ok(reply);
    },
  );

  app.get(
    '/v1/deliveries',
    {
      config,
      schema: {
        tags,
        summary: "The workspace's participant deliveries in one state: pending ones soonest due first, the others newest first",
        querystring: {
          type: 'object',
          properties: {
            state: { type: 'string', enum: ['pending', 'delivered', 'failed', 'superseded'], default: 'pending' },
            failing: { type: 'string', enum: ['true', 'false'], description: 'only those whose last attempt failed' },
            limit: { type: 'integer', minimum: 1, maximum: 500, default: 100 },
          },
        },
        response: { 200: { type: 'object', properties: { deliveries: { type: 'array', items: deliverySchema } } }, 400: errorSchema },
      },
    },
    async (req) => ({ deliveries: (await processes.deliveries(ws(req), readDeliveryFilter(req.query as Record<string, unknown>))).map(renderDelivery) }),
  );

  const actions = [
    ['cancel', 'Cancel: active participants get a cancel callback, on_cancel handlers run'],
    ['kill', 'Kill: cancel without on_cancel handlers or callbacks'],
    ['pause', 'Pause: messages wait until resume'],
    ['resume', 'Resume a paused process'],
  ] as const;
  for (const [action, summary] of actions) {
    app.post(`/v1/workflows/:wfid/${action}`, { config, schema: { tags, summary, params: wfidParam, response: actionResponses } }, async (req, reply) => {
      await processes[action](ws(req), params(req).wfid);
      return ok(reply);
    });
  }

  app.post(
    '/v1/workflows/:wfid/errors/:id/replay',
    {
      config,
      schema: {
        tags,
        summary: 'Replay at an error, optionally with a corrected tree or fields',
        params: { type: 'object', properties: { wfid: { type: 'string' }, id: { type: 'string' } } },
        body: { type: 'object', properties: { tree: {}, fields: { type: 'object' } } },
        response: actionResponses,
      },
    },
    async (req, reply) => {
      const { wfid, id } = params(req);
      await processes.replay(ws(req), wfid, id, readReplayInput(body(req)));
      return ok(reply);
    },
  );

  app.post(
    '/v1/definitions',
    {
      config,
      schema: {
        tags,
        summary: 'Store a definition (each save is a new revision)',
        body: { type: 'object', required: ['name', 'workflow'], properties: { name: { type: 'string' }, workflow: {} } },
        response: { 201: { type: 'object', properties: definitionSummary }, 400: errorSchema },
      },
    },
    async (req, reply) => {
      const input = readDefinitionInput(body(req));
      return reply.code(201).send(renderDefinition(await processes.saveDefinition(ws(req), input.name, input.workflow), false));
    },
  );

  app.get('/v1/definitions', { config, schema: { tags, summary: 'Stored definitions (latest revisions)', response: { 200: { type: 'object', properties: { definitions: { type: 'array', items: { type: 'object', properties: definitionSummary } } } } } } }, async (req) => ({
    definitions: (await processes.listDefinitions(ws(req))).map((d) => renderDefinition(d, false)),
  }));

  app.get('/v1/definitions/:name', { config, schema: { tags, summary: "A stored definition's latest revision", params: { type: 'object', properties: { name: { type: 'string' } } }, response: { 200: definitionSchema, 404: errorSchema } } }, async (req) =>
    renderDefinition(await processes.getDefinition(ws(req), params(req).name), true),
  );
}
