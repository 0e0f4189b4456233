// Endpoint state: which saved record a request reads (state.config filters), which values it
// saves (state.extract), and HTTP status filters (`201`, `2xx`, `*`).

import { valueAtPath } from './endpoint-params.js';
import type { StateConfig, StateExtract, StateRecord } from './endpoint-types.js';

const STATUS = /^[1-5]\d\d$/;
const RANGE = /^[1-5]xx$/;

/** True for an entry `state.config.includeStatuses` accepts: a status, a range like `4xx`, or `*`. */
export function isStatusFilter(entry: unknown): boolean {
  const s = typeof entry === 'number' ? String(entry) : entry;
  return typeof s === 'string' && (s === '*' || STATUS.test(s) || RANGE.test(s));
}

/** True for an `allowedStatuses` entry: a status (number or string) or a range like `2xx`. */
export function isAllowedStatusEntry(entry: unknown): boolean {
  const s = typeof entry === 'number' ? String(entry) : entry;
  return typeof s === 'string' && (STATUS.test(s) || RANGE.test(s));
}

function matchesOne(status: number, filter: string): boolean {
  if (filter === '*') return true;
  if (RANGE.test(filter)) return Math.floor(status / 100) === Number(filter[0]);
  return String(status) === filter;
}

/**
 * True when the status passes the filters. No filters, or `*` among them, passes everything
 * (even no status); otherwise a record without a status never passes.
 */
export function statusMatchesFilter(status: number | null | undefined, filters: readonly (string | number)[]): boolean {
  const list = filters.map(String);
  if (list.length === 0 || list.includes('*')) return true;
  if (typeof status !== 'number') return false;
  return list.some((f) => matchesOne(status, f));
}

/** Default 2xx: the status a lookup may answer with without failing the request. */
export function isAllowedStatus(status: number, allowed: readonly (string | number)[] | undefined): boolean {
  if (!allowed || allowed.length === 0) return status >= 200 && status < 300;
  return allowed.map(String).some((f) => matchesOne(status, f));
}

/** True when a saved record may be read as `state` under the endpoint's `state.config`. */
export function stateRecordPasses(record: Pick<StateRecord, 'lookupHttpStatus' | 'lookupNetworkError'>, config: Partial<StateConfig> | undefined): boolean {
  const networkErrors = config?.networkErrors ?? 'no-filter';
  if (networkErrors === 'include' && record.lookupNetworkError !== true) return false;
  if (networkErrors === 'exclude' && record.lookupNetworkError !== false) return false;
  return statusMatchesFilter(record.lookupHttpStatus, config?.includeStatuses ?? []);
}

/** The newest record (last in the list) that passes, or null. */
export function latestPassingState<T extends Pick<StateRecord, 'lookupHttpStatus' | 'lookupNetworkError'>>(
  recordsOldestFirst: readonly T[],
  config: Partial<StateConfig> | undefined,
): T | null {
  for (let i = recordsOldestFirst.length - 1; i >= 0; i--) {
    if (stateRecordPasses(recordsOldestFirst[i], config)) return recordsOldestFirst[i];
  }
  return null;
}

/** The data points state values are extracted from. lookupRequests is keyed by lookup id. */
export interface StateDataPoints {
  requestBody?: unknown;
  responseBody?: unknown;
  query?: unknown;
  lookupRequests?: Record<string, unknown>;
}

export type ExtractedState = Pick<StateRecord, 'requestBody' | 'responseBody' | 'query' | 'lookupRequests'>;

function extractFlat(spec: Record<string, string>, source: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, path] of Object.entries(spec)) out[name] = valueAtPath(source, path);
  return out;
}

/** The values `state.extract` names; a data point with no entries is left out. */
export function extractState(stateSpec: StateExtract | undefined, dataPoints: StateDataPoints): ExtractedState {
  const out: ExtractedState = {};
  if (!stateSpec) return out;
  for (const kind of ['requestBody', 'responseBody', 'query'] as const) {
    const spec = stateSpec[kind];
    if (spec && Object.keys(spec).length > 0) out[kind] = extractFlat(spec, dataPoints[kind]);
  }
  const lookups = stateSpec.lookupRequests;
  if (lookups && Object.keys(lookups).length > 0) {
    out.lookupRequests = {};
    for (const [id, spec] of Object.entries(lookups)) {
      out.lookupRequests[id] = extractFlat(spec ?? {}, dataPoints.lookupRequests?.[id]);
    }
  }
  return out;
}
