// The endpoints capability on the server: definitions (create, read, update, delete with the
// mediator's checks and messages), finding the endpoint that serves a request, and serving it
// through the pipeline with its state in the store.

import { randomBytes } from 'node:crypto';
import {
  compileEndpointDefinition,
  duplicatePatternMessage,
  patternsOverlap,
  pickEndpoint,
  type EndpointDefinition,
} from '../../core/endpoint/index.js';
import { isPlainObject } from '../../core/endpoint/definition-casts.js';
import type { EndpointCheck, EndpointRoute, StoredEndpoint } from '../../storage/endpoint-store.js';
import type { Store } from '../../storage/store.js';
import type { Clock } from '../clock.js';
import type { EventBus } from '../event-bus.js';
import type { Settings } from '../settings.js';
import { endpointDocument, matchesQuery } from './endpoint-document.js';
import { EndpointCreateFailed, EndpointIdInvalid, EndpointNotFound, EndpointUpdateFailed } from './endpoint-errors.js';
import type { EndpointHttp } from './endpoint-http.js';
import { createEndpointPipeline, type EndpointReply } from './endpoint-pipeline.js';
import { createHttpClient } from './http-client.js';
import type { EndpointRequest } from './pipeline-context.js';
import { RESERVED_PREFIXES } from './reserved-prefixes.js';

export interface EndpointServiceDeps {
  store: Store;
  settings: Pick<Settings, 'httpTimeoutMs' | 'httpAllowHosts' | 'bodyLimitBytes'>;
  clock: Clock;
  bus: EventBus;
  /** Default: 24 lowercase hex digits, seconds first (sorted by creation, like a MongoDB ObjectId). */
  newId?: () => string;
  /** Default: one pooled undici client (createHttpClient), closed by close(). */
  http?: EndpointHttp;
}

/** Who calls, and which workspace's endpoints the path addresses. */
export interface ServeTarget {
  /** The caller's key id, or null without a (valid) key: then only public endpoints serve. */
  keyId: string | null;
  /** `default` for `<pattern>`, the name in `/w/<workspace_id><pattern>`. */
  workspace: string;
  method: string;
  /** The path to match against patterns (without `/w/<workspace_id>`). */
  path: string;
}

export interface ResolvedEndpoint {
  endpoint: StoredEndpoint;
  urlParams: Record<string, string>;
}

export interface EndpointService {
  /** Throws 400 `Create endpoint failed:<reason>`. */
  create(ws: number, input: unknown): Promise<StoredEndpoint>;
  /** The workspace's endpoints (oldest first) whose documents match the query parameters. */
  list(ws: number, query: Record<string, unknown>): Promise<StoredEndpoint[]>;
  get(ws: number, id: string): Promise<StoredEndpoint>;
  /** Replaces the top-level fields given (the mediator's update); throws 400 `Updating of endpoint failed: …`. */
  update(ws: number, id: string, input: unknown): Promise<StoredEndpoint>;
  remove(ws: number, id: string): Promise<void>;
  /** The endpoint's saved state records, newest first. */
  states(ws: number, id: string, limit: number): Promise<Array<{ createdAt: number; record: unknown }>>;
  /**
   * The endpoint serving the request: with a key, the key's workspace first; then (and without a
   * key) public endpoints of every key's workspace of that name, the oldest winning a tie.
   */
  resolve(target: ServeTarget): Promise<ResolvedEndpoint | null>;
  /** Runs the pipeline; never throws. */
  serve(resolved: ResolvedEndpoint, request: Omit<EndpointRequest, 'urlParams'>): Promise<EndpointReply>;
  /** 404 `Unknown Endpoint: <path>` wrapped for OpenHIM (for requests carrying its transaction header). */
  unknown(request: Pick<EndpointRequest, 'path' | 'headers'>): EndpointReply;
  close(): Promise<void>;
}

const ID = /^[0-9a-f]{24}$/i;
// Default 1000: parsed definitions kept in memory; one re-read per miss.
const DEFINITION_CACHE_LIMIT = 1000;
// Default 1000: route lists (per key, workspace name and method; public ones per name and method).
const ROUTE_CACHE_LIMIT = 1000;
// Default 5 s: a cached route list is re-read at least this often. Endpoint changes invalidate it
// at once (endpoint:changed, from every node); a revoked key sends no notification (it may be
// revoked by another process), so its public endpoints stop serving within this time — the
// time its own requests stop authenticating (KEY_CACHE_MS).
const ROUTE_CACHE_MS = 5000;

export function generateEndpointId(nowMs: number): string {
  const seconds = Math.floor(nowMs / 1000)
    .toString(16)
    .padStart(8, '0')
    .slice(-8);
  return seconds + randomBytes(8).toString('hex');
}

/** A duplicate name or a pattern matching the same requests with the same method, else null. */
export function endpointConflict(definition: EndpointDefinition, others: readonly StoredEndpoint[]): string | null {
  if (others.some((o) => o.definition.name === definition.name)) return `Duplicate error: an endpoint named '${definition.name}' already exists`;
  const clash = others.some(
    (o) => o.definition.endpoint.method === definition.endpoint.method && patternsOverlap(o.definition.endpoint.pattern, definition.endpoint.pattern),
  );
  return clash ? duplicatePatternMessage(definition.endpoint.pattern) : null;
}

function checked(input: unknown, others: readonly StoredEndpoint[], update: boolean): EndpointCheck {
  const compiled = compileEndpointDefinition(input, { reservedPrefixes: RESERVED_PREFIXES, update });
  if (!compiled.ok) return compiled;
  const conflict = endpointConflict(compiled.definition, others);
  return conflict ? { ok: false, reason: conflict } : compiled;
}

function validId(id: string, prefix: string): string {
  if (!ID.test(id)) throw EndpointIdInvalid(prefix);
  return id.toLowerCase();
}

export function createEndpointService(deps: EndpointServiceDeps): EndpointService {
  const { store, clock, bus, settings } = deps;
  const newId = deps.newId ?? (() => generateEndpointId(clock.now()));
  const client = deps.http ? null : createHttpClient({ allowHosts: settings.httpAllowHosts ?? undefined });
  const http = deps.http ?? client!;
  const pipeline = createEndpointPipeline({
    http,
    timeoutMs: settings.httpTimeoutMs,
    allowHosts: settings.httpAllowHosts ?? undefined,
    clock,
    maxBodyBytes: settings.bodyLimitBytes,
  });
  const cache = new Map<string, StoredEndpoint>();
  // PERF: resolving a request read its routes from the database every time (a join per request).
  const routeCache = new Map<string, { routes: EndpointRoute[]; at: number }>();
  // Grows on every invalidation: a read that began before one must not refill the cache.
  let generation = 0;

  function invalidate(id?: string) {
    generation++;
    routeCache.clear();
    if (id !== undefined) cache.delete(id);
  }
  const offNotify = store.onNotify((event, payload) => {
    if (event === 'endpoint:changed') invalidate((payload as { id: string }).id);
    // Notifications sent while the connection was away are lost: start again from the database.
    else if (event === 'store:reconnected') invalidate();
  });

  async function cachedRoutes(key: string, read: () => Promise<EndpointRoute[]>): Promise<EndpointRoute[]> {
    const now = clock.now();
    const hit = routeCache.get(key);
    if (hit && now - hit.at < ROUTE_CACHE_MS && now >= hit.at) return hit.routes;
    const before = generation;
    const routes = await read();
    if (before === generation) {
      routeCache.delete(key);
      if (routeCache.size >= ROUTE_CACHE_LIMIT) routeCache.delete(routeCache.keys().next().value as string);
      routeCache.set(key, { routes, at: now });
    }
    return routes;
  }

  function remember(e: StoredEndpoint): StoredEndpoint {
    cache.delete(e.id);
    if (cache.size >= DEFINITION_CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
    cache.set(e.id, e);
    return e;
  }

  async function load(route: EndpointRoute): Promise<StoredEndpoint | null> {
    const hit = cache.get(route.id);
    if (hit && hit.version === route.version) return hit;
    const e = await store.endpoints.byId(route.id);
    return e ? remember(e) : null;
  }

  async function pick(routes: EndpointRoute[], target: ServeTarget): Promise<ResolvedEndpoint | null> {
    const picked = pickEndpoint(routes, target.method, target.path);
    if (!picked) return null;
    const endpoint = await load(picked.definition);
    return endpoint ? { endpoint, urlParams: picked.urlParams } : null;
  }

  return {
    async create(ws, input) {
      const result = await store.endpoints.create(ws, newId(), clock.now(), (others) => checked(input, others, false));
      if (!result.ok) throw EndpointCreateFailed(result.reason);
      // endpoint:changed reaches the bus from the store; this node forgets its copies at once
      // (on PostgreSQL the notification comes back a little later).
      invalidate(result.endpoint.id);
      return result.endpoint;
    },

    async list(ws, query) {
      return (await store.endpoints.list(ws)).filter((e) => matchesQuery(endpointDocument(e), query));
    },

    async get(ws, raw) {
      const id = validId(raw, 'Retrieving of endpoint failed: ');
      const e = await store.endpoints.get(ws, id);
      if (!e) throw EndpointNotFound(raw);
      return e;
    },

    async update(ws, raw, input) {
      const id = validId(raw, 'Updating of endpoint failed: ');
      if (!isPlainObject(input) || Object.keys(input).length === 0) throw EndpointUpdateFailed('Invalid endpoint object');
      const result = await store.endpoints.update(ws, id, clock.now(), (current, others) => checked({ ...current.definition, ...input }, others, true));
      if (result === null) throw EndpointNotFound(raw);
      if (!result.ok) throw EndpointUpdateFailed(result.reason);
      invalidate(id);
      return result.endpoint;
    },

    async remove(ws, raw) {
      const id = validId(raw, 'Endpoint deletion failed: ');
      if (!(await store.endpoints.remove(ws, id))) throw EndpointNotFound(raw);
      invalidate(id);
    },

    async states(ws, raw, limit) {
      const records = await store.stats.endpointStates(ws, validId(raw, 'Retrieving of endpoint state failed: '), limit);
      if (records === null) throw EndpointNotFound(raw);
      return records;
    },

    async resolve(target) {
      const method = target.method.toUpperCase();
      const { keyId, workspace } = target;
      if (keyId !== null) {
        const own = await pick(await cachedRoutes(`${keyId}\u0000${workspace}\u0000${method}`, () => store.endpoints.routes(keyId, workspace, method)), target);
        if (own) return own;
      }
      return pick(await cachedRoutes(`\u0000${workspace}\u0000${method}`, () => store.endpoints.publicRoutes(workspace, method)), target);
    },

    async serve(resolved, request) {
      const { endpoint, urlParams } = resolved;
      const reply = await pipeline.serve(endpoint.definition, { ...request, urlParams }, {
        loadState: (config) => store.endpoints.latestState(endpoint.id, config),
        saveState: (record) => store.endpoints.saveState(endpoint.id, record, clock.now()),
      });
      bus.emit('endpoint:served', { ws: endpoint.ws, id: endpoint.id, status: reply.status });
      return reply;
    },

    unknown(request) {
      return pipeline.notFound(request);
    },

    async close() {
      offNotify();
      await Promise.all([client?.close(), pipeline.close()]);
    },
  };
}
