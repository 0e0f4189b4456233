import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Engine } from '../../engine/engine.js';
import { Forbidden, InvalidWorkspace, RouteNotFound, isWeftError } from '../../core/errors.js';
import { WORKSPACE_PATTERN } from '../../engine/auth-service.js';
import { EndpointFailed, EndpointUnknown } from '../../engine/endpoint/endpoint-errors.js';
import { OPENHIM_TRANSACTION_HEADER } from '../../engine/endpoint/openhim-response.js';
import { isReservedPath } from '../../engine/endpoint/reserved-prefixes.js';
import type { EndpointReply } from '../../engine/endpoint/endpoint-pipeline.js';
import { readApiKey } from './auth-hook.js';
import { sendError } from './error-handler.js';

// Serving endpoints from the not-found handler, so weft's own routes always win: `<pattern>` serves
// the `default` workspace, `/w/<workspace_id><pattern>` any workspace. With a valid key the key's
// workspace is searched first, then (and without a key) public endpoints of every key's workspace of
// that name, the oldest winning a tie. The key never reaches the pipeline: X-API-Key, Authorization
// and the api_key query parameter are removed before mappings can read them.

const KEY_HEADERS = new Set(['x-api-key', 'authorization']);

function send(reply: FastifyReply, r: EndpointReply) {
  // An upstream's status passed on that HTTP does not have (600, 999): Fastify refuses to send it.
  if (r.status < 100 || r.status > 599) {
    return reply.code(502).header('weft-error-code', EndpointFailed.code).send({ error: `The upstream answered with status ${r.status}, which HTTP does not have` });
  }
  // As the mediator: JSON goes out as application/json; charset=utf-8, the other formats with their
  // type alone (application/fhir+json, application/json+openhim, application/xml). Fastify adds a
  // charset to any JSON-like type of a string body, not to a Buffer's.
  const body = typeof r.body === 'string' && r.contentType !== 'application/json' ? Buffer.from(r.body) : r.body;
  return reply.code(r.status).headers(r.headers).type(r.contentType).send(body);
}

/** `{workspace, path}` for an endpoint path, null for a path under weft's own prefixes. */
function addressOf(fullPath: string): { workspace: string; path: string } | null {
  // One trailing slash is ignored, as on weft's own routes.
  const path = fullPath.length > 1 ? fullPath.replace(/\/$/, '') : fullPath;
  const qualified = /^\/w\/([^/]*)(\/.*)?$/.exec(path);
  if (qualified) return { workspace: decodeURIComponent(qualified[1]), path: qualified[2] ?? '' };
  return isReservedPath(path) ? null : { workspace: 'default', path };
}

export function createEndpointFallback(engine: Engine) {
  return async function serveEndpoint(req: FastifyRequest, reply: FastifyReply) {
    const fullPath = req.url.split('?')[0];
    let address: { workspace: string; path: string } | null;
    try {
      address = addressOf(fullPath);
    } catch {
      address = { workspace: '', path: '' };
    }
    if (!address) return sendError(reply, RouteNotFound(req.method, fullPath));
    if (!WORKSPACE_PATTERN.test(address.workspace)) return sendError(reply, InvalidWorkspace(), 'error');

    let keyId: string | null = null;
    try {
      const key = readApiKey(req);
      if (key !== undefined) keyId = (await engine.auth.authenticate(key)).id;
    } catch (err) {
      // A key the endpoint's caller meant for something else: public endpoints may still serve.
      if (!isWeftError(err) || err.status !== 403) throw err;
    }

    const resolved = address.path === '' ? null : await engine.endpoints.resolve({ keyId, workspace: address.workspace, method: req.method, path: address.path });
    if (!resolved) {
      if (keyId === null) return sendError(reply, Forbidden(), 'error');
      if (req.headers[OPENHIM_TRANSACTION_HEADER] !== undefined) return send(reply, engine.endpoints.unknown({ path: fullPath, headers: req.headers }));
      // `message` as well: weft's generic not-found field, for clients of weft's other routes.
      return sendError(reply, EndpointUnknown(fullPath), 'error');
    }

    const query: Record<string, string | string[] | undefined> = { ...(req.query as Record<string, string | string[] | undefined>) };
    delete query.api_key;
    const headers: Record<string, string | string[] | undefined> = {};
    for (const [k, v] of Object.entries(req.headers)) if (!KEY_HEADERS.has(k.toLowerCase())) headers[k] = v;
    const result = await engine.endpoints.serve(resolved, {
      method: req.method,
      path: address.path,
      query,
      headers,
      rawBody: req.rawBody,
      contentType: typeof req.headers['content-type'] === 'string' ? req.headers['content-type'] : undefined,
    });
    return send(reply, result);
  };
}
