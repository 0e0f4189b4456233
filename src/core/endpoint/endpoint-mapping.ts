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

// A key of plain names only (`a.b.c`): none of object-mapper's syntax (`[]`, `+`, `?`, `*`, `\\`),
// no empty name. An entry from such a key to such a string is run by selectPlain and updatePlain,
// which do what object-mapper's select_obj, update_obj and set_data do for it.
const PLAIN_KEY = /^[^.[\]+?*\\]+(\.[^.[\]+?*\\]+)*$/;

function selectPlain(src: any, names: readonly string[], i: number): unknown {
  if (!src) return null;
  const name = names[i];
  const last = i === names.length - 1;
  if (Array.isArray(src)) {
    if (src.length && src[0]) return last ? src[0][name] : selectPlain(src[0][name], names, i + 1);
    return null;
  }
  if (name in src) {
    const data = last ? src[name] : selectPlain(src[name], names, i + 1);
    if (data !== null) return data;
  }
  return null;
}

function updatePlain(dest: any, names: readonly string[], i: number, data: unknown): any {
  const name = names[i];
  if (i === names.length - 1) {
    if (data !== undefined && data !== null) {
      dest = dest || {};
      dest[name] = data;
    }
    return dest;
  }
  if (dest !== null && dest !== undefined) {
    const o = updatePlain(dest[name], names, i + 1, data);
    if (o !== null && o !== undefined) dest[name] = o;
  } else {
    const o = updatePlain(null, names, i + 1, data);
    if (o !== null) {
      dest = {};
      dest[name] = o;
    }
  }
  return dest;
}

type CompiledEntry = { plain: true; from: readonly string[]; to: readonly string[] } | { plain: false; sourceKey: string; dest: unknown };

// PERF: object-mapper parses both keys of every entry on every request (~1.5 µs an entry); a
// mapping object (one per cached definition) is compiled once.
const compiledMappings = new WeakMap<Record<string, unknown>, CompiledEntry[]>();

function compileMapping(mapping: Record<string, unknown>): CompiledEntry[] {
  let entries = compiledMappings.get(mapping);
  if (entries === undefined) {
    entries = Object.entries(mapping).map(([sourceKey, dest]): CompiledEntry =>
      PLAIN_KEY.test(sourceKey) && typeof dest === 'string' && PLAIN_KEY.test(dest)
        ? { plain: true, from: sourceKey.split('.'), to: dest.split('.') }
        : { plain: false, sourceKey, dest },
    );
    compiledMappings.set(mapping, entries);
  }
  return entries;
}

/** Maps `source` (the request's data points) to a new object by the mapping, in key order. */
export function applyMapping(source: unknown, mapping: Record<string, unknown>): Record<string, unknown> {
  const output: Record<string, unknown> = {};
  for (const e of compileMapping(mapping)) {
    if (e.plain) updatePlain(output, e.to, 0, selectPlain(source, e.from, 0));
    else applyEntry(source, output, e.sourceKey, e.dest);
  }
  return output;
}
