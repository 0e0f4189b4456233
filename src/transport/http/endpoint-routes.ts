import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Engine } from '../../engine/engine.js';
import { endpointDocument } from '../../engine/endpoint/endpoint-document.js';
import { EndpointBodyInvalid, EndpointCreateFailed, EndpointUpdateFailed } from '../../engine/endpoint/endpoint-errors.js';

// The endpoints management API (issue 5) with the mapping mediator's statuses and messages: errors
// render {"error": …}; definitions render as the mediator's documents (`_id`, `createdAt`, `updatedAt`).
// GET /uptime needs a key, as every route the issues do not name open (issue 2); no workspace.

const config = { errorStyle: 'error', parseError: (message: string) => EndpointBodyInvalid(message) } as const;
// An empty body is no endpoint object, whatever its content type says.
const emptyBody = (message: string) => /cannot be empty/i.test(message);
const createConfig = { ...config, parseError: (m: string) => (emptyBody(m) ? EndpointCreateFailed('Invalid endpoint object') : EndpointBodyInvalid(m)) } as const;
const updateConfig = { ...config, parseError: (m: string) => (emptyBody(m) ? EndpointUpdateFailed('Invalid endpoint object') : EndpointBodyInvalid(m)) } as const;
const tags = ['endpoints'];
const errorSchema = { type: 'object', properties: { error: { type: 'string' } } } as const;
const idParam = { type: 'object', properties: { id: { type: 'string', description: '24 hexadecimal digits' } } } as const;
const definitionSchema = {
  type: 'object',
  description: 'an endpoint definition in the OpenHIM mapping mediator format (docs/endpoints.md)',
  properties: {
    name: { type: 'string' },
    description: { type: 'string' },
    public: { type: 'boolean' },
    endpoint: { type: 'object', properties: { pattern: { type: 'string' }, method: { type: 'string', enum: ['GET', 'POST', 'PUT', 'DELETE'] } } },
    transformation: { type: 'object', properties: { input: { type: 'string' }, output: { type: 'string' } } },
    constants: {},
    inputValidation: { type: 'object' },
    inputTransforms: { type: 'object' },
    inputMapping: { type: 'object' },
    requests: { type: 'object', properties: { lookup: { type: 'array' }, response: { type: 'array' } } },
    state: { type: 'object' },
  },
} as const;
// A stored definition: the optional fields appear when the definition has them.
const { endpoint, transformation, requests } = definitionSchema.properties;
const documentSchema = {
  ...definitionSchema,
  required: ['_id', 'name', 'endpoint', 'transformation', 'requests', 'state', 'createdAt', 'updatedAt'],
  properties: {
    _id: { type: 'string' },
    ...definitionSchema.properties,
    kafkaConsumerTopic: { type: 'string' },
    endpoint: { ...endpoint, required: ['pattern', 'method'] },
    transformation: { ...transformation, required: ['output'] },
    requests: { ...requests, required: ['lookup', 'response'] },
    createdAt: { type: 'string' },
    updatedAt: { type: 'string' },
  },
} as const;

const ws = (req: FastifyRequest) => req.workspace!.pk;
const id = (req: FastifyRequest) => (req.params as { id: string }).id;

export function registerEndpointRoutes(app: FastifyInstance, engine: Engine) {
  const endpoints = engine.endpoints;

  app.post(
    '/endpoints',
    { config: createConfig, schema: { tags, summary: 'Create an endpoint', body: definitionSchema, response: { 201: documentSchema, 400: errorSchema } } },
    async (req, reply) => reply.code(201).send(endpointDocument(await endpoints.create(ws(req), req.body))),
  );

  app.get(
    '/endpoints',
    {
      config,
      schema: {
        tags,
        summary: "The workspace's endpoints; query parameters filter on fields (`?name=…`, `?endpoint.pattern=…`)",
        response: { 200: { type: 'array', items: documentSchema } },
      },
    },
    async (req) => (await endpoints.list(ws(req), (req.query ?? {}) as Record<string, unknown>)).map(endpointDocument),
  );

  app.get(
    '/endpoints/:id',
    { config, schema: { tags, summary: 'One endpoint', params: idParam, response: { 200: documentSchema, 400: errorSchema, 404: errorSchema } } },
    async (req) => endpointDocument(await endpoints.get(ws(req), id(req))),
  );

  app.put(
    '/endpoints/:id',
    {
      config: updateConfig,
      schema: { tags, summary: 'Update an endpoint: the top-level fields given replace the stored ones', params: idParam, body: definitionSchema, response: { 200: documentSchema, 400: errorSchema, 404: errorSchema } },
    },
    async (req) => endpointDocument(await endpoints.update(ws(req), id(req), req.body)),
  );

  app.delete(
    '/endpoints/:id',
    {
      config,
      schema: { tags, summary: 'Delete an endpoint and its state', params: idParam, response: { 200: { type: 'object', properties: { message: { type: 'string' } } }, 400: errorSchema, 404: errorSchema } },
    },
    async (req) => {
      await endpoints.remove(ws(req), id(req));
      return { message: `Endpoint with ID '${id(req)}' deleted` };
    },
  );

  app.get(
    '/uptime',
    { config: { ...config, noWorkspace: true }, schema: { tags, summary: 'How long this server has been running', response: { 200: { type: 'object', properties: { milliseconds: { type: 'number' } } } } } },
    async () => ({ milliseconds: Math.round(process.uptime() * 1000) }),
  );
}
