// Parameter resolution for lookups and response requests: a path such as `payload.patient.id` or
// `state.system.timestamps.lookupRequests.lookup1.requestStart` names a data point and a path in it.

import type { ParamSpec, RequestConfig } from './endpoint-types.js';

/** The data points a parameter path can start with, and what each reads. */
export interface ParamSources {
  payload?: unknown;
  query?: unknown;
  state?: unknown;
  lookupRequests?: unknown;
  responseBody?: unknown;
  urlParams?: unknown;
  constants?: unknown;
  timestamps?: unknown;
  transforms?: unknown;
  item?: unknown;
}

export const PARAM_SOURCES: readonly (keyof ParamSources)[] = [
  'payload',
  'query',
  'state',
  'lookupRequests',
  'responseBody',
  'urlParams',
  'constants',
  'timestamps',
  'transforms',
  'item',
];

export class UnsupportedParamSourceError extends Error {
  constructor(source: string) {
    super(`Unsupported Query Parameter Extract Type: ${source}`);
    this.name = 'UnsupportedParamSourceError';
  }
}

/** `a.b[0].c` → ['a', 'b', '0', 'c']. */
export function splitPath(path: string): string[] {
  const out: string[] = [];
  for (const part of path.split('.')) {
    for (const key of part.split(/\[([^\]]+)\]/g)) if (key.length > 0) out.push(key);
  }
  return out;
}

// Default 1024: distinct paths kept split (they come from definitions; a miss only splits again).
const PATH_CACHE_LIMIT = 1024;
const splitPaths = new Map<string, readonly string[]>();

// PERF: every request resolves the same few paths of its definition; splitting them was ~1 µs each.
function splitPathCached(path: string): readonly string[] {
  let keys = splitPaths.get(path);
  if (keys === undefined) {
    if (splitPaths.size >= PATH_CACHE_LIMIT) splitPaths.clear();
    keys = splitPath(path);
    splitPaths.set(path, keys);
  }
  return keys;
}

/**
 * The value at `path` in `obj`: null when obj itself is missing, undefined when any step is null or
 * missing (the mediator's extractValueFromObject).
 */
export function valueAtPath(obj: unknown, path: string): unknown {
  if (!obj) return null;
  let current: any = obj;
  for (const key of splitPathCached(path)) {
    if (current[key] == null) return undefined;
    current = current[key];
  }
  return current;
}

export function isParamSource(name: string): name is keyof ParamSources {
  return (PARAM_SOURCES as readonly string[]).includes(name);
}

/** The source name of a parameter path (the part before the first dot). */
export function paramSourceOf(path: string): string {
  return path.split('.')[0];
}

/** Resolves a parameter path against the sources; an unknown source throws UnsupportedParamSourceError. */
export function resolveParamPath(path: string, sources: ParamSources): unknown {
  const source = paramSourceOf(path);
  if (!isParamSource(source)) throw new UnsupportedParamSourceError(source);
  const rest = path.slice(source.length + 1);
  return valueAtPath(sources[source], rest);
}

function withAffixes(spec: ParamSpec, value: unknown): string {
  return `${spec.prefix ?? ''}${String(value)}${spec.postfix ?? ''}`;
}

/** The query parameters of a request; a parameter whose value is null or missing is left out. */
export function resolveQueryParams(config: RequestConfig, sources: ParamSources): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, spec] of Object.entries(config.params?.query ?? {})) {
    const value = resolveParamPath(spec.path, sources);
    if (value != null) out[name] = withAffixes(spec, value);
  }
  return out;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const placeholders = new Map<string, RegExp>();

/** The pattern of `:name` in a URL, made once per name (String#replace resets its lastIndex). */
function placeholder(name: string): RegExp {
  let re = placeholders.get(name);
  if (re === undefined) {
    if (placeholders.size >= PATH_CACHE_LIMIT) placeholders.clear();
    re = new RegExp(`:${escapeRegExp(name)}(?![\\w-])`, 'g');
    placeholders.set(name, re);
  }
  return re;
}

/** The request URL with each `:name` placeholder filled in; placeholders without a value stay. */
export function resolveRequestUrl(config: RequestConfig, sources: ParamSources): string {
  let url = config.url;
  for (const [name, spec] of Object.entries(config.params?.url ?? {})) {
    const value = resolveParamPath(spec.path, sources);
    if (value == null) continue;
    const replacement = withAffixes(spec, value);
    url = url.replace(placeholder(name), () => replacement);
  }
  return url;
}

// axios's parameter encoding (the mediator sends with axios): these stay readable in the URL. A lone
// surrogate (which encodeURIComponent throws on, a 500) becomes U+FFFD, as URLSearchParams makes it.
function encodeParam(value: string): string {
  return encodeURIComponent((value as string & { toWellFormed(): string }).toWellFormed())
    .replace(/%3A/gi, ':')
    .replace(/%24/g, '$')
    .replace(/%2C/gi, ',')
    .replace(/%20/g, '+')
    .replace(/%5B/gi, '[')
    .replace(/%5D/gi, ']');
}

/** Appends query parameters to a URL that may already carry some. */
export function appendQuery(url: string, params: Record<string, string>): string {
  const pairs = Object.entries(params).map(([k, v]) => `${encodeParam(k)}=${encodeParam(v)}`);
  if (pairs.length === 0) return url;
  const hash = url.indexOf('#');
  const base = hash === -1 ? url : url.slice(0, hash);
  return base + (base.includes('?') ? '&' : '?') + pairs.join('&');
}
