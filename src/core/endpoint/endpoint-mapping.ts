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

/** Maps `source` (the request's data points) to a new object by the mapping, in key order. */
export function applyMapping(source: unknown, mapping: Record<string, unknown>): Record<string, unknown> {
  const output: Record<string, unknown> = {};
  for (const [sourceKey, dest] of Object.entries(mapping)) applyEntry(source, output, sourceKey, dest);
  return output;
}
