import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import cors from '@fastify/cors';
import websocket from '@fastify/websocket';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { WebSocket } from 'ws';
import type { Socket } from 'node:net';
import type { Engine } from '../../engine/engine.js';
import { clientError, expectationFailed, frameworkError, installErrorHandling, sendError, wsHandshakeError } from './error-handler.js';
import { InputRefused, refuseUrlEncoded } from '../../core/input-limits.js';
import { installAuth, authenticateRequest } from './auth-hook.js';
import { installMetrics } from './metrics.js';
import { registerTaskRoutes } from './task-routes.js';
import { registerWorkflowRoutes } from './workflow-routes.js';
import { createTaskStreams } from '../ws/task-streams.js';
import { handleWorkerSocket } from '../ws/workers-socket.js';
import { registerFlowRoutes } from './flow-routes.js';
import { handleFlowSocket } from '../ws/flows-socket.js';
import { FRAME_READ_FACTOR } from '../ws/rpc-envelope.js';
import { isWeftError, MalformedRequest, ShuttingDown, UpgradeRequired } from '../../core/errors.js';
import { installBodyParsers } from './body-parsers.js';
import { registerEndpointRoutes } from './endpoint-routes.js';
import { createEndpointFallback } from './endpoint-serving.js';
import { registerUiRoutes } from './ui-routes.js';
import { registerStatsRoutes } from './stats-routes.js';
import { watchRevokedKeys } from '../ws/revoked-keys.js';
import { KEY_CACHE_MS } from '../../engine/auth-service.js';
import { handleEventsSocket } from '../ws/events-socket.js';

export interface WeftServer {
  readonly app: FastifyInstance;
  listen(): Promise<{ port: number; host: string }>;
  /** Graceful: stop accepting, finish in-flight requests, close streams. Does not stop the engine. */
  close(): Promise<void>;
}

/** Builds the HTTP + WebSocket server over an engine. Transports are thin: parse → engine → render. */
export async function createServer(engine: Engine): Promise<WeftServer> {
  const app = Fastify({
    loggerInstance: engine.log as unknown as FastifyBaseLogger,
    // PERF: one log line per request costs more than the request on the hot paths; errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: engine.settings.bodyLimitBytes,
    // Route schemas document the API; the contract's own messages come from the handlers' validation.
    ajv: { customOptions: { strict: false } },
    // maxParamLength 5000: a subject key may be 512 characters, up to 9 bytes each once URL-encoded.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 5000 },
    forceCloseConnections: 'idle',
    frameworkErrors: frameworkError,
    clientErrorHandler: clientError,
    // Node answers an HTTP/1.1 request without a Host header with an empty 400; the onRequest hook
    // below answers it with weft's code instead.
    http: { requireHostHeader: false },
    return503OnClosing: true,
  });
  app.setValidatorCompiler(() => () => true);
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));

  let closing = false;
  // Requests no route matches are endpoint requests (docs/endpoints.md).
  installErrorHandling(app, { notFound: createEndpointFallback(engine) });
  installBodyParsers(app);
  if (engine.settings.corsOrigins.length > 0) {
    // Registered before the auth hook: a preflight (which carries no key) is answered in its hook.
    // No credentials: the key travels in a header, never in a cookie.
    await app.register(cors, {
      origin: engine.settings.corsOrigins.includes('*') ? '*' : [...engine.settings.corsOrigins],
      methods: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE'],
      allowedHeaders: ['content-type', 'x-api-key', 'x-workspace-id', 'authorization', 'idempotency-key'],
      exposedHeaders: ['weft-error-code', 'retry-after'],
      // Default 600 s: how long a browser may reuse a preflight's answer.
      maxAge: 600,
    });
  }
  // Before anything reads the request: a node shutting down takes no more, and what weft refuses in
  // any input (core/input-limits) is refused in the URL (a path or query)…
  app.addHook('onRequest', (req, _reply, done) => {
    if (closing) return done(ShuttingDown());
    if (req.headers.host === undefined && req.raw.httpVersion === '1.1') return done(MalformedRequest());
    const refused = refuseUrlEncoded(req.url);
    done(refused ? InputRefused(refused) : undefined);
  });
  // …and in bodies (body-parsers.ts).
  await app.register(websocket, {
    options: { maxPayload: FRAME_READ_FACTOR * engine.settings.bodyLimitBytes },
    errorHandler: (error: Error & { code?: string }, socket, request) => {
      // The peer broke the protocol (a frame over maxPayload, a bad frame): ws has sent its close
      // code (1009, 1002…) and ends the connection itself. The plugin's default logged a stack
      // trace and cut the connection before the code could go, so the client saw 1006.
      if (error.code?.startsWith('WS_ERR_')) return request.log.info({ code: error.code }, error.message);
      // A connection reset or another socket error: nothing of the server's is wrong.
      if (error.code !== undefined) request.log.info({ code: error.code }, `websocket: ${error.message}`);
      else request.log.error({ err: error }, 'websocket handler failed');
      socket.terminate();
    },
  });
  app.websocketServer.on('wsClientError', wsHandshakeError);
  app.server.on('checkExpectation', expectationFailed);
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'weft', version: '0.1.0', description: 'flows, processes, endpoints and tasks on one engine' },
      components: {
        securitySchemes: {
          apiKeyHeader: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
          apiKeyQuery: { type: 'apiKey', in: 'query', name: 'api_key' },
          bearer: { type: 'http', scheme: 'bearer' },
        },
      },
      security: [{ apiKeyHeader: [] }, { apiKeyQuery: [] }, { bearer: [] }],
    },
  });
  // swagger-ui's own routes are public documentation.
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/docs')) route.config = { ...(route.config ?? {}), public: true, noWorkspace: true };
  });
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { docExpansion: 'list' }, staticCSP: true });
  installAuth(app, engine);

  const healthSchema = {
    type: 'object',
    properties: { status: { type: 'string', enum: ['ok', 'unavailable'] }, node: { type: 'string' }, database: { type: 'string', enum: ['sqlite', 'postgres'] } },
  } as const;
  app.get(
    '/healthz',
    {
      config: { public: true },
      schema: {
        tags: ['operations'],
        summary: 'Liveness and database reachability',
        response: { 200: healthSchema, 503: healthSchema },
      },
    },
    async (_req, reply) => {
      try {
        await engine.store.ping();
        return { status: 'ok', node: engine.settings.nodeId, database: engine.store.dialect };
      } catch {
        return reply.code(503).send({ status: 'unavailable', node: engine.settings.nodeId, database: engine.store.dialect });
      }
    },
  );
  app.get('/openapi.json', { config: { public: true }, schema: { hide: true } }, async () => app.swagger());
  installMetrics(app, engine);

  app.get(
    '/v1/workspaces',
    {
      config: { noWorkspace: true },
      schema: {
        tags: ['workspaces'],
        summary: "The key's workspaces",
        response: { 200: { type: 'object', properties: { workspaces: { type: 'array', items: { type: 'object', properties: { id: { type: 'string' }, created_at: { type: 'string' } } } } } } },
      },
    },
    async (req) => ({
      workspaces: (await engine.store.auth.listWorkspaces(req.apiKey!.id)).map((w) => ({ id: w.name, created_at: new Date(w.createdAt).toISOString() })),
    }),
  );

  registerTaskRoutes(app, engine);
  registerFlowRoutes(app, engine);
  registerWorkflowRoutes(app, engine);
  registerEndpointRoutes(app, engine);
  registerStatsRoutes(app, engine);
  await registerUiRoutes(app);

  const streams = createTaskStreams(engine);
  const revokedKeys = watchRevokedKeys(
    () => engine.store.auth.listKeys(),
    KEY_CACHE_MS,
    (ids) => engine.auth.forget(ids),
    (err) => engine.log.warn({ err }, 'could not read the API keys to close the sockets of revoked ones'),
  );
  // WebSocket routes authenticate in preValidation so that errors are answered before the upgrade.
  // `admit` runs a route's own check (a limit) after authentication.
  const socketRoute = (
    path: string,
    tags: string[],
    summary: string,
    handle: (socket: WebSocket, ws: number) => void,
    admit?: (keyId: string, ws: number, connection: Socket) => Promise<void>,
  ) =>
    app.get(
      path,
      {
        websocket: true,
        config: { public: true },
        schema: { tags, summary },
        preValidation: async (req, reply) => {
          // A plain GET or HEAD: nothing to upgrade (and no stream slot to take).
          if (!req.ws) return sendError(reply, UpgradeRequired());
          try {
            const { key, workspace } = await authenticateRequest(req, engine);
            await admit?.(key.id, workspace.pk, req.raw.socket);
            req.apiKey = key;
            req.workspace = workspace;
          } catch (err) {
            if (isWeftError(err)) return sendError(reply, err);
            throw err;
          }
        },
      },
      (socket, req) => {
        revokedKeys.add(req.apiKey!.id, socket);
        handle(socket, req.workspace!.pk);
      },
    );
  socketRoute('/ws/tasks', ['tasks'], "WebSocket: the workspace's task array on connect, on change and every second", (socket, ws) => streams.attach(ws, socket), streams.admit);
  socketRoute('/ws/workers', ['workers'], 'WebSocket: claim, heartbeat, complete and fail tasks (request/response envelope)', (socket, ws) =>
    handleWorkerSocket(engine, ws, socket),
  );
  socketRoute('/ws/flows', ['flows'], 'WebSocket: flow transitions and requests (request/response envelope) and subscriptions to instance changes', (socket, ws) =>
    handleFlowSocket(engine, ws, socket),
  );
  socketRoute('/ws/events', ['operations'], 'WebSocket: changes to processes, deliveries and endpoints of the workspace, pushed after commit', (socket, ws) =>
    handleEventsSocket(engine, ws, socket),
  );

  return {
    app,
    async listen() {
      await app.listen({ port: engine.settings.port, host: engine.settings.host });
      const addr = app.server.address();
      const port = typeof addr === 'object' && addr ? addr.port : engine.settings.port;
      return { port, host: engine.settings.host };
    },
    async close() {
      closing = true;
      // Connections still answering when the close begins (long polls) would be kept alive by their
      // clients and hold the close for the keep-alive timeout (72 s), past the CLI's force exit: once
      // answered, they now time out within about a second (Node's floor). Nothing is added to every
      // response for it.
      app.server.keepAliveTimeout = 1;
      revokedKeys.stop();
      // Waiting claims answered (none) before their sockets close: one request, one answer. Their
      // handlers write in the turn after; a store that does not answer holds the close 2 s at most.
      await Promise.race([engine.tasks.stopWaiting().then(() => new Promise((r) => setImmediate(r))), new Promise((r) => setTimeout(r, 2000).unref())]);
      await streams.stop();
      for (const client of app.websocketServer?.clients ?? []) client.close(1001, 'server shutting down');
      await app.close();
    },
  };
}
