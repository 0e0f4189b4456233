// inputMapping: object-mapper syntax (`"src.path": "dst.path"`, `a[]`, `a[].b`, `a[1]`, `a[]+`,
// arrays of destinations, `{key, default}`) plus the mediator's named transforms
// `{key, transform: {function, parameters}}`. Entries apply in order onto one output object, with
// object-mapper 5 (see applyMapping).

import objectMapper from 'object-mapper';
import { MAPPING_FUNCTIONS, MappingError } from './mapping-functions.js';

interface NamedTransform {
  function: string;
  parameters?: unknown;
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

// Default 10,000: the largest array index a destination may name. Every index before it is written
// out as null (`a[99999999].b` rendered 100 M nulls: 29 s of one request, and its memory).
export const MAX_DESTINATION_INDEX = 10000;

/** The destination paths of a mapping naming an array index over MAX_DESTINATION_INDEX. */
export function oversizedDestinationIndexes(mapping: Record<string, unknown>): string[] {
  const bad: string[] = [];
  for (const dest of Object.values(mapping)) {
    for (const path of destinationKeys(dest, [])) {
      for (const m of path.matchAll(/\[(\d+)\]/g)) {
        if (Number(m[1]) > MAX_DESTINATION_INDEX) {
          bad.push(path);
          break;
        }
      }
    }
  }
  return bad;
}

/**
 * The sources whose destination object-mapper cannot read — a destination is a key (text), an
 * object with a text `key`, or a list of those — for validation when the definition is saved (a
 * number or null was accepted, then failed every request with a 500).
 */
export function malformedDestinations(mapping: Record<string, unknown>): string[] {
  const key = (k: unknown) => typeof k === 'string' || (Array.isArray(k) && k.every((e) => typeof e === 'string'));
  const one = (d: unknown) => typeof d === 'string' || (isPlainObject(d) && key(d.key));
  return Object.entries(mapping)
    .filter(([, dest]) => !(one(dest) || (Array.isArray(dest) && dest.length > 0 && dest.every(one))))
    .map(([source]) => source);
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

// A destination with a named transform, as the mediator's object-mapper fork reads it: the function
// runs on the value (or the default) with the parameters, and its result is written to the key.
function withFunctions(dest: unknown): unknown {
  if (Array.isArray(dest)) return dest.map(withFunctions);
  if (!isPlainObject(dest)) return dest;
  const t = namedTransform(dest.transform);
  if (!t) return dest;
  const fn = MAPPING_FUNCTIONS[t.function];
  if (!fn) throw new MappingError(`No function exists for key: ${t.function}`);
  const parameters = t.parameters ?? {};
  return {
    ...dest,
    transform: (value: unknown, source: unknown, output: Record<string, unknown>, sourceKey: string, destinationKey: unknown) =>
      fn(value, source, output, sourceKey, typeof destinationKey === 'string' ? destinationKey : '', parameters),
  };
}

// Mappings checked and prepared once (definitions are kept in memory; one saved before the path
// check existed is refused here).
const prepared = new WeakMap<Record<string, unknown>, Record<string, unknown>>();

/**
 * Maps `source` (the request's data points) to a new object by the mapping, in key order, with
 * object-mapper 5 — the version the mediator's fork (jembi/node-object-mapper) is made from, so that
 * its definitions map the same: several sources to one `a[]` make an array of them, a null value
 * still makes its parent objects, a default of 0 or false is no default.
 */
export function applyMapping(source: unknown, mapping: Record<string, unknown>): Record<string, unknown> {
  let map = prepared.get(mapping);
  if (!map) {
    const bad = [...unsafeMappingPaths(mapping), ...oversizedDestinationIndexes(mapping)];
    if (bad.length > 0) throw new MappingError(`path ${JSON.stringify(bad[0])} is not allowed`);
    map = Object.fromEntries(Object.entries(mapping).map(([key, dest]) => [key, withFunctions(dest)]));
    prepared.set(mapping, map);
  }
  const output: unknown = objectMapper.merge(source, {}, map);
  return isPlainObject(output) ? output : {};
}
