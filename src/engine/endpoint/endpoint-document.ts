// An endpoint as the management API shows it (the mediator's stored document): the definition with
// `_id`, `createdAt` and `updatedAt`; and the `GET /endpoints` query filter over such documents.

import type { StoredEndpoint } from '../../storage/endpoint-store.js';

export type EndpointDocument = Record<string, unknown> & { _id: string; createdAt: string; updatedAt: string };

export function endpointDocument(e: StoredEndpoint): EndpointDocument {
  return { _id: e.id, ...e.definition, createdAt: new Date(e.createdAt).toISOString(), updatedAt: new Date(e.updatedAt).toISOString() };
}

// weft's own query parameters (key and workspace), never filters.
const NOT_FILTERS = new Set(['api_key', 'workspace_id']);

/**
 * Every value at a dotted path, as MongoDB reads one: an array met on the way is looked into — its
 * element by index when the next key is one, else each of its elements (`requests.lookup.id` reaches
 * the id of every lookup, `requests.lookup.0.id` the first's).
 */
function valuesAt(current: unknown, keys: readonly string[], out: unknown[] = []): unknown[] {
  if (keys.length === 0) {
    out.push(current);
    return out;
  }
  if (current === null || typeof current !== 'object') return out;
  const [key, ...rest] = keys;
  if (Object.hasOwn(current, key)) valuesAt((current as Record<string, unknown>)[key], rest, out);
  else if (Array.isArray(current)) for (const item of current) valuesAt(item, keys, out);
  return out;
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
    const stored = valuesAt(doc, path.split('.'));
    if (!wanted.some((w) => stored.some((v) => sameValue(v, w)))) return false;
  }
  return true;
}
