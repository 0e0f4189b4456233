// An endpoint as the management API shows it (the mediator's stored document): the definition with
// `_id`, `createdAt` and `updatedAt`; and the `GET /endpoints` query filter over such documents.

import type { StoredEndpoint } from '../../storage/endpoint-store.js';

export type EndpointDocument = Record<string, unknown> & { _id: string; createdAt: string; updatedAt: string };

export function endpointDocument(e: StoredEndpoint): EndpointDocument {
  return { _id: e.id, ...e.definition, createdAt: new Date(e.createdAt).toISOString(), updatedAt: new Date(e.updatedAt).toISOString() };
}

// weft's own query parameters (key and workspace), never filters.
const NOT_FILTERS = new Set(['api_key', 'workspace_id']);

function valueAt(doc: unknown, path: string): unknown {
  let current: unknown = doc;
  for (const key of path.split('.')) {
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, key)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

function sameValue(stored: unknown, wanted: string): boolean {
  if (Array.isArray(stored)) return stored.some((s) => sameValue(s, wanted));
  if (stored === null || stored === undefined || typeof stored === 'object') return false;
  // Query values are text; a stored number or boolean matches its text, as mongoose casts them.
  return String(stored) === wanted;
}

/**
 * True when every query parameter names a field (dotted paths: `name`, `endpoint.pattern`, `_id`,
 * `public`) whose value equals the parameter's; a repeated parameter matches any of its values, an
 * array field any of its elements.
 */
export function matchesQuery(doc: EndpointDocument, query: Record<string, unknown>): boolean {
  for (const [path, raw] of Object.entries(query)) {
    if (NOT_FILTERS.has(path) || raw === undefined) continue;
    const wanted = (Array.isArray(raw) ? raw : [raw]).map(String);
    const stored = valueAt(doc, path);
    if (!wanted.some((w) => sameValue(stored, w))) return false;
  }
  return true;
}
