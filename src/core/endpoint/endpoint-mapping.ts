// inputMapping: object-mapper syntax (`"src.path": "dst.path"`, `a[]`, `a[].b`, `a[1]`, `a[]+`,
// arrays of destinations, `{key, default}`) plus the mediator's named transforms
// `{key, transform: {function, parameters}}`. Entries apply in order onto one output object.

import objectMapper from 'object-mapper';
import { MAPPING_FUNCTIONS, MappingError } from './mapping-functions.js';

interface NamedTransform {
  function: string;
  parameters?: unknown;
}

interface KeyObject {
  key: unknown;
  default?: unknown;
  transform?: unknown;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function namedTransform(v: unknown): NamedTransform | null {
  return isPlainObject(v) && typeof v.function === 'string' ? (v as unknown as NamedTransform) : null;
}

// A path segment that would reach an object's prototype: object-mapper builds destinations with
// plain assignments, so `"x": "__proto__.polluted"` would write into Object.prototype.
const UNSAFE_SEGMENT = /(?:^|[.[\]])(?:__proto__|constructor|prototype)(?=$|[.[\]+])/;

function destinationKeys(dest: unknown, out: string[]): string[] {
  if (typeof dest === 'string') out.push(dest);
  else if (Array.isArray(dest)) for (const d of dest) destinationKeys(d, out);
  else if (isPlainObject(dest)) destinationKeys(dest.key, out);
  return out;
}

/** The source and destination paths of a mapping that are empty or name __proto__, constructor or prototype. */
export function unsafeMappingPaths(mapping: Record<string, unknown>): string[] {
  const bad: string[] = [];
  for (const [source, dest] of Object.entries(mapping)) {
    for (const path of [source, ...destinationKeys(dest, [])]) if (path === '' || UNSAFE_SEGMENT.test(path)) bad.push(path);
  }
  return bad;
}

/** Every function name an inputMapping uses, for validation when the definition is saved. */
export function mappingFunctionNames(mapping: Record<string, unknown>): string[] {
  const names: string[] = [];
  const visit = (dest: unknown): void => {
    if (Array.isArray(dest)) dest.forEach(visit);
    else if (isPlainObject(dest)) {
      const t = namedTransform(dest.transform);
      if (t) names.push(t.function);
    }
  };
  Object.values(mapping).forEach(visit);
  return names;
}

function applyNamed(
  source: unknown,
  output: Record<string, unknown>,
  sourceKey: string,
  dest: KeyObject,
  transform: NamedTransform,
): void {
  const fn = MAPPING_FUNCTIONS[transform.function];
  if (!fn) throw new MappingError(`No function exists for key: ${transform.function}`);
  const destinationKey = typeof dest.key === 'string' ? dest.key : '';
  let value = objectMapper.getKeyValue(source, sourceKey);
  if (value === null || value === undefined) value = dest.default ?? null;
  const result = fn(value, source, output, sourceKey, destinationKey, transform.parameters ?? {});
  if (result !== undefined && destinationKey) objectMapper.setKeyValue(output, destinationKey, result);
}

function applyEntry(source: unknown, output: Record<string, unknown>, sourceKey: string, dest: unknown): void {
  if (Array.isArray(dest)) {
    for (const d of dest) applyEntry(source, output, sourceKey, d);
    return;
  }
  if (isPlainObject(dest)) {
    const t = namedTransform(dest.transform);
    if (t) {
      applyNamed(source, output, sourceKey, dest as unknown as KeyObject, t);
      return;
    }
  }
  const result = objectMapper.merge(source, output, { [sourceKey]: dest });
  // object-mapper builds into the object it was given; it only returns a different one when that was missing.
  if (result !== output && isPlainObject(result)) Object.assign(output, result);
}

// Mappings already checked at run time (definitions saved before the check existed are refused there).
const checked = new WeakSet<Record<string, unknown>>();

/** Maps `source` (the request's data points) to a new object by the mapping, in key order. */
export function applyMapping(source: unknown, mapping: Record<string, unknown>): Record<string, unknown> {
  if (!checked.has(mapping)) {
    const bad = unsafeMappingPaths(mapping);
    if (bad.length > 0) throw new MappingError(`path ${JSON.stringify(bad[0])} is not allowed`);
    checked.add(mapping);
  }
  const output: Record<string, unknown> = {};
  for (const [sourceKey, dest] of Object.entries(mapping)) applyEntry(source, output, sourceKey, dest);
  return output;
}
