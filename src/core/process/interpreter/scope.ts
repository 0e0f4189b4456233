// Variables (scoped along the expression chain, as ruote's ro_variables) and dotted field paths.
import { resolvePath } from '../../expr/index.js';
import type { ExpressionState, Fields } from './types.js';
import { MAX_JSON_DEPTH } from '../../input-limits.js';
import { isDefinition } from './tree-utils.js';

export type Lookup = (fei: string | undefined) => ExpressionState | undefined;

const INDEX = /^(0|[1-9][0-9]*)$/;

export function getPath(root: unknown, path: string): unknown {
  return resolvePath(root, path);
}

/**
 * An own property, or undefined: paths only ever go through what the data holds, never into an
 * object's prototype (`__proto__.x`, `constructor.prototype.x` would reach Object.prototype).
 */
export function own(o: any, k: string): unknown {
  return Object.prototype.hasOwnProperty.call(o, k) ? o[k] : undefined;
}

/** Sets an own property; a key `__proto__` is plain data, never the object's prototype. */
export function putOwn(o: any, k: string, v: unknown): void {
  if (k === '__proto__') Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  else o[k] = v;
}

const TOO_DEEP = `a value nested deeper than ${MAX_JSON_DEPTH} levels is not accepted`;

// A copy of a value, at most `levels` objects and arrays deep. Ruote's workitems are JSON between
// any two steps, so a value set is never the one it came from: without the copy, `set f:b.c: $f:b`
// made b hold itself (the launch's save then failed, a 500), and a loop nesting a field one level
// deeper each turn grows it until it is past storing — refused here, as an error of the expression.
function copyWithin(value: unknown, levels: number): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (levels <= 0) throw new Error(TOO_DEEP);
  if (Array.isArray(value)) {
    const out = new Array(value.length);
    for (let i = 0; i < value.length; i++) out[i] = copyWithin(value[i], levels - 1);
    return out;
  }
  const out = {};
  for (const k of Object.keys(value)) putOwn(out, k, copyWithin((value as Record<string, unknown>)[k], levels - 1));
  return out;
}

/**
 * Sets `a.b.0` in root to a copy of value, creating objects on the way (arrays when the next key is
 * an index). Path and value together are at most MAX_JSON_DEPTH deep (as input may nest,
 * core/input-limits): deeper would make a state that cannot be stored.
 */
export function setPath(root: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  if (keys.length > MAX_JSON_DEPTH) throw new Error(`a path of more than ${MAX_JSON_DEPTH} keys is not accepted`);
  value = copyWithin(value, MAX_JSON_DEPTH - keys.length);
  let cur: any = root;
  for (let i = 0; i < keys.length - 1; i++) {
    const k = keys[i];
    let next = own(cur, k);
    if (next === null || typeof next !== 'object') putOwn(cur, k, (next = INDEX.test(keys[i + 1]) ? [] : {}));
    cur = next;
  }
  const last = keys[keys.length - 1];
  if (Array.isArray(cur) && INDEX.test(last)) cur[Number(last)] = value;
  else putOwn(cur, last, value);
}

export function unsetPath(root: Record<string, unknown>, path: string): void {
  const keys = path.split('.');
  const last = keys.pop()!;
  const holder = keys.length ? resolvePath(root, keys.join('.')) : root;
  if (Array.isArray(holder) && INDEX.test(last)) holder.splice(Number(last), 1);
  else if (holder && typeof holder === 'object') delete (holder as Record<string, unknown>)[last];
}

function splitPrefix(v: string): [string, string] {
  const m = /^(\/{0,2})\/*(.+)$/.exec(v);
  return m ? [m[1], m[2]] : ['', v];
}

function rootOf(exp: ExpressionState, lookup: Lookup): ExpressionState {
  let cur = exp;
  for (let p = lookup(cur.parent); p; p = lookup(p.parent)) cur = p;
  return cur;
}

// '//' (ruote's engine variables) is read as the process root scope: weft has no engine-wide
// variables.
export function lookupVariable(exp: ExpressionState, name: string, lookup: Lookup): unknown {
  const [prefix, v] = splitPrefix(name);
  const head = v.split('.')[0];
  let cur: ExpressionState | undefined = prefix ? rootOf(exp, lookup) : exp;
  for (; cur; cur = lookup(cur.parent)) {
    if (cur.variables && Object.prototype.hasOwnProperty.call(cur.variables, head)) {
      return resolvePath(cur.variables, v);
    }
  }
  return undefined;
}

function locateScope(exp: ExpressionState, name: string, lookup: Lookup, override: unknown): [ExpressionState, string] | undefined {
  const [prefix, v] = splitPrefix(name);
  if (prefix) return [rootOf(exp, lookup), v];
  if (override && override !== 'false') {
    for (let cur: ExpressionState | undefined = exp; cur; cur = lookup(cur.parent)) {
      if (cur.variables && Object.prototype.hasOwnProperty.call(cur.variables, v)) return [cur, v];
      // over: sub looks no further than the subprocess it runs in (its define), as Ruote's locate_set_var.
      if (override === 'sub' && isDefinition(cur.tree)) break;
    }
  }
  for (let cur: ExpressionState | undefined = exp; cur; cur = lookup(cur.parent)) {
    if (cur.variables) return [cur, v];
  }
  return undefined;
}

export function setVariable(exp: ExpressionState, name: string, value: unknown, lookup: Lookup, override?: unknown): void {
  const found = locateScope(exp, name, lookup, override);
  if (found) setPath(found[0].variables!, found[1], value);
}

export function unsetVariable(exp: ExpressionState, name: string, lookup: Lookup, override?: unknown): void {
  const found = locateScope(exp, name, lookup, override);
  if (found) unsetPath(found[0].variables!, found[1]);
}

/** All variables visible from exp, innermost winning (for forgotten branches). */
export function compileVariables(exp: ExpressionState, lookup: Lookup): Record<string, unknown> {
  const chain: ExpressionState[] = [];
  for (let cur: ExpressionState | undefined = exp; cur; cur = lookup(cur.parent)) chain.unshift(cur);
  const out: Record<string, unknown> = {};
  for (const e of chain) if (e.variables) Object.assign(out, structuredClone(e.variables));
  return out;
}

export function setField(fields: Fields, key: string, value: unknown): void {
  setPath(fields, key, value);
}
