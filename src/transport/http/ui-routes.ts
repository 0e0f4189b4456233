import { existsSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fastifyStatic from '@fastify/static';
import { packageRoot } from '../../core/package-root.js';

// The dashboard (issue 9): the files Vite builds into web/dist, served at /ui/. The UI is static
// and asks for the key in the browser, so these routes are public; every call it makes goes
// through the authenticated API like any other client's.

/** Where `npm run build:web` puts the dashboard. */
export const UI_DIST = join(packageRoot(), 'web', 'dist') + '/';

const config = { public: true, noWorkspace: true } as const;
const schema = { hide: true } as const;

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>weft</title>
<p>The weft dashboard is not built. Run <code>npm run build:web</code> (or <code>npm install</code>) and reload.</p>`;

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function acceptsHtml(req: FastifyRequest): boolean {
  return /\btext\/html\b/.test(String(req.headers.accept ?? ''));
}

export async function registerUiRoutes(app: FastifyInstance, dist: string = UI_DIST) {
  // decorateReply only: the routes below decide between a file and the SPA's index.html.
  await app.register(fastifyStatic, { root: dist, serve: false });

  const sendIndex = (reply: FastifyReply) => {
    if (!existsSync(posix.join(dist, 'index.html'))) return reply.code(503).type('text/html; charset=utf-8').send(NOT_BUILT);
    // index.html names the hashed assets of the current build: never cached.
    return reply.header('cache-control', 'no-cache').sendFile('index.html', { cacheControl: false });
  };

  // A browser opening the server lands on the dashboard; any other client gets what `/` would
  // answer without this route (the not-found handler, which also serves endpoints).
  app.get('/', { config, schema }, async (req, reply) => {
    if (req.method === 'GET' && acceptsHtml(req)) return reply.redirect('/ui/', 302);
    return reply.callNotFound();
  });

  // With ignoreTrailingSlash this is also /ui/, which the wildcard below does not match.
  app.get('/ui', { config, schema }, async (_req, reply) => sendIndex(reply));

  app.get('/ui/*', { config, schema }, async (req, reply) => {
    const rest = (req.params as { '*': string })['*'] ?? '';
    const rel = posix.normalize('/' + rest).slice(1);
    if (rel !== '' && !rel.startsWith('..') && isFile(posix.join(dist, rel))) {
      // Vite puts content-hashed files under assets/: safe to cache for good. Anything else is revalidated.
      return rel.startsWith('assets/') ? reply.sendFile(rel, { maxAge: '365d', immutable: true }) : reply.sendFile(rel, { maxAge: 0 });
    }
    // A missing asset is a 404; any other path is a client-side route (deep link).
    if (rel.startsWith('assets/') || posix.extname(rel) !== '') return reply.callNotFound();
    return sendIndex(reply);
  });
}
