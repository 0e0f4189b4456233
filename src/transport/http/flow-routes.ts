import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Engine } from '../../engine/engine.js';
import { isWeftError, WeftError } from '../../core/errors.js';
import { InputRefused, parseJsonRefusingPrototypes, PoisonedJson, refuseJsonText } from '../../core/input-limits.js';
import {
  FlowRequestInvalid,
  readBody,
  readFlowIdentifier,
  readInstanceFilter,
  readInstanceId,
  readStartInput,
  readSubjectKey,
  readSubjectUpdate,
  readTransitionFields,
  readVersion,
  type TransitionOutcome,
} from '../../engine/flow/index.js';

// The flows REST API (issue 3). Errors answer {"message": …} (with `errors` where there is a
// list), except transitions, which answer {result: "failure", message, errors} as the contract says.

const tags = ['flows'];
const messageSchema = { type: 'object', required: ['message'], properties: { message: { type: 'string' }, errors: { type: 'array' } } } as const;
const failureSchema = {
  type: 'object',
  properties: { result: { type: 'string', enum: ['failure'] }, message: { type: 'string' }, errors: { type: 'array', items: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' } } } } },
} as const;
const instanceSchema = {
  type: 'object',
  properties: {
    id: { type: 'string', format: 'uuid' },
    flow: { type: 'string' },
    version: { type: 'integer' },
    subject: { type: 'string' },
    state: { type: 'string', enum: ['active', 'paused', 'exited', 'completed'] },
    steps: { type: 'object', additionalProperties: { type: 'string', enum: ['inactive', 'active', 'paused', 'completed'] } },
    data: {},
    seq: { type: 'integer' },
    active_steps: { type: 'array', items: { type: 'string' } },
    created_at: { type: 'string' },
    updated_at: { type: 'string' },
  },
} as const;
const flowBody = {
  type: 'object',
  required: ['identifier', 'steps'],
  properties: {
    identifier: { type: 'string' },
    name: { type: 'string' },
    description: { type: 'string' },
    steps: { type: 'array', items: { type: 'object', required: ['identifier'], properties: { identifier: { type: 'string' }, name: { type: 'string' }, properties: {}, action: {} } } },
    transitions: {
      type: 'array',
      items: {
        type: 'object',
        required: ['identifier', 'from', 'to'],
        properties: { identifier: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, type: { enum: ['manual', 'automatic'] }, condition: { type: 'string' } },
      },
    },
  },
} as const;
// A stored version, normalised: name defaults to the identifier, description to "", a step's name to
// its identifier; a transition without a condition has null.
const flowSchema = {
  type: 'object',
  properties: {
    identifier: { type: 'string' },
    version: { type: 'integer' },
    name: { type: 'string' },
    description: { type: 'string' },
    steps: { type: 'array', items: { type: 'object', properties: { identifier: { type: 'string' }, name: { type: 'string' }, properties: {}, action: {} } } },
    transitions: {
      type: 'array',
      items: {
        type: 'object',
        properties: { identifier: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, type: { enum: ['manual', 'automatic'] }, condition: { type: ['string', 'null'] } },
      },
    },
    created_at: { type: 'string' },
  },
} as const;
const subjectSchema = {
  type: 'object',
  properties: {
    key: { type: 'string' },
    properties: { type: 'object', additionalProperties: true },
    schema: {},
    instances: { type: 'array', items: instanceSchema },
    created_at: { type: 'string' },
    updated_at: { type: 'string' },
  },
} as const;
const idParams = { type: 'object', properties: { id: { type: 'string' } } } as const;
const historySchema = {
  type: 'object',
  properties: {
    seq: { type: 'integer' },
    transition: { type: 'string' },
    from: { type: ['string', 'null'] },
    to: { type: ['string', 'null'] },
    type: { type: 'string', enum: ['manual', 'automatic'] },
    request_id: { type: ['string', 'null'] },
    at: { type: 'string' },
  },
} as const;

const ws = (req: FastifyRequest) => req.workspace!.pk;
const params = (req: FastifyRequest) => req.params as Record<string, string>;

/** A transition answer: 200 {result: "success", instance} or the rule's status with {result: "failure", message, errors}. */
function sendOutcome(reply: FastifyReply, o: TransitionOutcome) {
  if (o.result === 'success') return reply.code(200).send({ result: 'success', instance: o.instance });
  return reply.code(o.status).header('weft-error-code', o.code).send({ result: 'failure', message: o.message, errors: o.errors });
}

function failureOf(err: WeftError): TransitionOutcome {
  return { result: 'failure', status: err.status, code: err.code, message: err.message, errors: [{ code: err.code, message: err.message }] };
}

// A body that is not JSON is a flow request error on every flow route, as on transitions; one refused
// whatever the route (core/input-limits) keeps its own code.
const parseError = (message: string, refused: boolean) => (refused ? InputRefused(message) : FlowRequestInvalid('the request body is not valid JSON'));
const config = { parseError };

export function registerFlowRoutes(app: FastifyInstance, engine: Engine) {
  const flows = engine.flows;

  app.post('/v1/flows', { config, schema: { tags, summary: 'Create a flow, or add the next version of one', body: flowBody, response: { 201: flowSchema, 400: messageSchema } } }, async (req, reply) =>
    reply.code(201).send(await flows.define(ws(req), readBody(req.body))),
  );

  app.get('/v1/flows', { schema: { tags, summary: 'Every flow at its latest version', response: { 200: { type: 'object', properties: { flows: { type: 'array', items: flowSchema } } } } } }, async (req) => ({
    flows: await flows.list(ws(req)),
  }));

  app.get('/v1/flows/:identifier', { schema: { tags, summary: "A flow's latest version", response: { 200: flowSchema, 404: messageSchema } } }, async (req) =>
    flows.get(ws(req), readFlowIdentifier(params(req).identifier, 'identifier'), null),
  );

  app.get('/v1/flows/:identifier/versions/:version', { schema: { tags, summary: 'One version of a flow', response: { 200: flowSchema, 400: messageSchema, 404: messageSchema } } }, async (req) =>
    flows.get(ws(req), readFlowIdentifier(params(req).identifier, 'identifier'), readVersion(params(req).version)),
  );

  app.put(
    '/v1/subjects/:key',
    {
      config,
      schema: {
        tags,
        summary: 'Identify or update a subject (properties replace the stored ones; schema null removes it)',
        body: { type: 'object', properties: { properties: { type: 'object' }, schema: {} } },
        response: { 200: subjectSchema, 400: messageSchema },
      },
    },
    async (req) => flows.putSubject(ws(req), readSubjectKey(params(req).key, 'key'), readSubjectUpdate(req.body)),
  );

  app.get('/v1/subjects/:key', { schema: { tags, summary: 'A subject with its flow instances', response: { 200: subjectSchema, 404: messageSchema } } }, async (req) =>
    flows.subject(ws(req), readSubjectKey(params(req).key, 'key')),
  );

  app.post(
    '/v1/flow-instances',
    {
      config,
      schema: {
        tags,
        summary: "Start a flow for a subject (on the flow's latest version; automatic transitions applied)",
        body: { type: 'object', required: ['flow', 'subject'], properties: { flow: { type: 'string' }, subject: { type: 'string' }, data: {} } },
        response: { 201: instanceSchema, 404: messageSchema, 409: messageSchema },
      },
    },
    async (req, reply) => reply.code(201).send(await flows.start(ws(req), readStartInput(req.body))),
  );

  app.get(
    '/v1/flow-instances',
    {
      schema: {
        tags,
        summary: 'Flow instances, oldest first',
        querystring: {
          type: 'object',
          properties: { subject: { type: 'string' }, flow: { type: 'string' }, state: { type: 'string' }, limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 }, offset: { type: 'integer', minimum: 0, default: 0 } },
        },
        response: { 200: { type: 'object', properties: { instances: { type: 'array', items: instanceSchema } } }, 400: messageSchema },
      },
    },
    async (req) => ({ instances: await flows.instances(ws(req), readInstanceFilter(req.query)) }),
  );

  app.get('/v1/flow-instances/:id', { schema: { tags, summary: 'One flow instance', params: idParams, response: { 200: instanceSchema, 404: messageSchema } } }, async (req) =>
    flows.instance(ws(req), readInstanceId(params(req).id, 'id')),
  );

  app.get(
    '/v1/flow-instances/:id/history',
    { schema: { tags, summary: 'The transitions applied to an instance, in order', params: idParams, response: { 200: { type: 'object', properties: { history: { type: 'array', items: historySchema } } }, 404: messageSchema } } },
    async (req) => ({ history: await flows.history(ws(req), readInstanceId(params(req).id, 'id')) }),
  );

  app.get(
    '/v1/flow-instances/:id/transitions',
    {
      schema: {
        tags,
        summary: 'The manual transitions the instance offers now, each with whether it would fire (with the given input)',
        params: idParams,
        querystring: { type: 'object', properties: { input: { type: 'string', description: 'JSON: the request input conditions see as ${input.…}; default {}' } } },
        response: {
          200: {
            type: 'object',
            properties: {
              transitions: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    identifier: { type: 'string' },
                    from: { type: 'string' },
                    to: { type: 'string' },
                    condition: { type: ['string', 'null'] },
                    available: { type: 'boolean' },
                    reason: { type: ['string', 'null'], description: 'why it would not fire: its condition does not hold, or cannot be evaluated' },
                  },
                },
              },
            },
          },
          400: messageSchema,
          404: messageSchema,
        },
      },
    },
    async (req) => {
      const id = readInstanceId(params(req).id, 'id');
      return { transitions: await flows.transitionsNow(ws(req), id, readConditionInput((req.query as { input?: unknown }).input)) };
    },
  );

  app.post(
    '/v1/flow-instances/:id/transitions',
    {
      config: {
        // An unparsable body is a failed transition too, in the transition's answer shape.
        parseError: (message: string, refused: boolean) => {
          const err = parseError(message, refused);
          return new WeftError(err.code, 400, err.message, { details: { result: 'failure', errors: [{ code: err.code, message: err.message }] } });
        },
      },
      schema: {
        tags,
        summary: 'Fire a manual transition (repeat a request_id to get the first answer again)',
        params: idParams,
        body: { type: 'object', required: ['transition'], properties: { transition: { type: 'string' }, step: { type: 'string' }, input: {}, request_id: { type: ['string', 'number'] } } },
        response: { 200: { type: 'object', properties: { result: { type: 'string', enum: ['success'] }, instance: instanceSchema } }, 400: failureSchema, 404: failureSchema, 409: failureSchema },
      },
    },
    async (req, reply) => {
      try {
        const id = readInstanceId(params(req).id, 'id');
        const body = readBody(req.body);
        return sendOutcome(reply, await flows.transition(ws(req), id, readTransitionFields(body.transition, body.step, body.input, body.request_id)));
      } catch (err) {
        if (isWeftError(err) && err.status < 500) return sendOutcome(reply, failureOf(err));
        throw err;
      }
    },
  );

  for (const action of ['pause', 'resume', 'exit'] as const) {
    app.post(
      `/v1/flow-instances/:id/${action}`,
      { config, schema: { tags, summary: `${action[0].toUpperCase()}${action.slice(1)} a flow instance`, params: idParams, response: { 200: instanceSchema, 404: messageSchema, 409: messageSchema } } },
      async (req) => flows[action](ws(req), readInstanceId(params(req).id, 'id')),
    );
  }
}

/** `?input=` of the transitions list: JSON text (any JSON value), as a transition request's `input`. */
function readConditionInput(raw: unknown): unknown {
  if (raw === undefined) return {};
  if (typeof raw !== 'string') throw FlowRequestInvalid('input must be given once, as JSON text');
  const refused = refuseJsonText(raw);
  if (refused) throw InputRefused(refused);
  try {
    return parseJsonRefusingPrototypes(raw);
  } catch (e) {
    if (e instanceof PoisonedJson) throw InputRefused(e.message);
    throw FlowRequestInvalid('input is not valid JSON');
  }
}
