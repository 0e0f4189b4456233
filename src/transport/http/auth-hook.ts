import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Engine } from '../../engine/engine.js';
import type { ApiKeyRecord, WorkspaceRecord } from '../../storage/auth-store.js';
import { InvalidWorkspace } from '../../core/errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    apiKey: ApiKeyRecord | null;
    workspace: WorkspaceRecord | null;
  }
}

/** The API key from `api_key`, `X-API-Key` or `Authorization: Bearer`. */
export function readApiKey(req: FastifyRequest): string | undefined {
  const q = req.query as Record<string, unknown> | undefined;
  // Given twice, it is no key (a header after it does not count either).
  if (q && q.api_key !== undefined) return typeof q.api_key === 'string' ? q.api_key : '';
  const h = req.headers['x-api-key'];
  if (typeof h === 'string') return h;
  const auth = req.headers.authorization;
  if (typeof auth === 'string' && /^Bearer\s+/i.test(auth)) return auth.replace(/^Bearer\s+/i, '').trim();
  return undefined;
}

export function readWorkspaceName(req: FastifyRequest): string | undefined {
  const q = req.query as Record<string, unknown> | undefined;
  if (q && q.workspace_id !== undefined) {
    // Given twice, it names no one workspace (as a header given twice).
    if (Array.isArray(q.workspace_id)) throw InvalidWorkspace();
    return String(q.workspace_id);
  }
  const h = req.headers['x-workspace-id'];
  return typeof h === 'string' ? h : undefined;
}

/** Resolves key and workspace before the body is parsed: a bad key is a 403 whatever the body. */
export function installAuth(app: FastifyInstance, engine: Engine) {
  app.decorateRequest('apiKey', null);
  app.decorateRequest('workspace', null);
  app.addHook('onRequest', async (req) => {
    const config = req.routeOptions.config;
    // Unknown routes (404s, and endpoints served from the not-found handler) decide for themselves.
    if (!req.routeOptions.url || config?.public) return;
    req.apiKey = await engine.auth.authenticate(readApiKey(req));
    if (!config?.noWorkspace) req.workspace = await engine.auth.workspace(req.apiKey.id, readWorkspaceName(req));
  });
}

/** For handlers that authenticate themselves (optional keys). */
export async function authenticateRequest(req: FastifyRequest, engine: Engine): Promise<{ key: ApiKeyRecord; workspace: WorkspaceRecord }> {
  const key = await engine.auth.authenticate(readApiKey(req));
  const workspace = await engine.auth.workspace(key.id, readWorkspaceName(req));
  return { key, workspace };
}
