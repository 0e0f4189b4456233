// Helpers over trees, fei references and on_error handler lists (no interpreter state).
import type { Tree } from './types.js';
import { userRegExp } from '../../user-regexp.js';

/** Attributes every expression understands (ruote's COMMON_ATT_KEYS, plus tag). */
export const COMMON_ATT_KEYS = ['if', 'unless', 'forget', 'lose', 'flank', 'timeout', 'timers', 'on_error', 'on_cancel', 'on_timeout', 'tag'];

export const COMMAND_RE = /^(skip|back|jump|rewind|continue|break|stop|over|reset)( .+)?$/;

const FEI_PARTS = new Set(['fei', 'engine_id', 'wfid', 'subid', 'expid']);

/** A tag's variable: the expression's fei, and Ruote's parts of it (`${v:main.expid}`), nothing else. */
export function isFeiRef(v: unknown): v is { fei: string } {
  return !!v && typeof v === 'object' && typeof (v as { fei?: unknown }).fei === 'string' && Object.keys(v).every((k) => FEI_PARTS.has(k));
}

export function childIndexOf(fei: string): number {
  const expid = fei.split('!')[0];
  return Number(expid.slice(expid.lastIndexOf('_') + 1));
}

/**
 * A deep copy of plain data (the state, trees, workitems: JSON values). PERF: structuredClone costs
 * 4–10 µs for a workitem or a small tree here, a plain recursive copy a tenth of that, and a step
 * copies dozens. Anything but plain objects and arrays (a Date, a Map) is left to structuredClone;
 * unlike it, two references to one object become two copies — as a JSON round trip (the stored
 * state) makes them anyway.
 */
export function clone<T>(v: T): T {
  return copy(v, 0) as T;
}

// Deeper than this is not data a step could store (JSON.stringify would refuse a cycle): structuredClone decides.
const MAX_DEPTH = 1000;

function copy(v: unknown, depth: number): unknown {
  if (typeof v !== 'object' || v === null) return v;
  if (depth > MAX_DEPTH) return structuredClone(v);
  if (Array.isArray(v)) {
    const out = new Array(v.length);
    for (let i = 0; i < v.length; i++) out[i] = copy(v[i], depth + 1);
    return out;
  }
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return structuredClone(v);
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v)) {
    const e = copy((v as Record<string, unknown>)[k], depth + 1);
    // An own "__proto__" key (JSON.parse makes one) stays a plain property, as structuredClone keeps it.
    if (k === '__proto__') Object.defineProperty(out, k, { value: e, enumerable: true, writable: true, configurable: true });
    else out[k] = e;
  }
  return out;
}

function patternMatches(pattern: unknown, text: string): boolean {
  if (pattern === null || pattern === undefined || pattern === '') return true;
  const p = String(pattern);
  const m = /^\/(.*)\/([a-z]*)$/.exec(p);
  return m ? userRegExp(m[1], m[2]).test(text) : text.includes(p);
}

/**
 * An await condition against the names of an event (a tag and its full tag; an error's message
 * and class): undefined matches anything; a list ("a, b" or an array) matches when one does;
 * "/re/" is a regular expression, anything else must be equal.
 */
export function nameMatches(condition: unknown, names: string[]): boolean {
  if (condition === undefined || condition === null || condition === '') return true;
  const list = Array.isArray(condition) ? condition.map(String) : String(condition).startsWith('/') ? [String(condition)] : String(condition).split(',').map((c) => c.trim());
  return list.some((c) => {
    const m = /^\/(.*)\/([a-z]*)$/.exec(c);
    return names.some((n) => (m ? userRegExp(m[1], m[2]).test(n) : c === n));
  });
}

export function keyMatches(key: string, keys: unknown[]): boolean {
  return keys.some((k) => {
    const m = /^\/(.*)\/([a-z]*)$/.exec(String(k));
    return m ? userRegExp(m[1], m[2]).test(key) : String(k) === key;
  });
}

/**
 * The handler an on_error value gives for an error: a string or a tree as is; a list of
 * [pattern, handler] pairs (or {pattern: handler} objects) gives the first whose pattern matches
 * the message or the error class. undefined when there is none.
 */
export function localOnError(onError: unknown, message: string, errorClass: string): unknown {
  if (onError === undefined || onError === null) return undefined;
  if (typeof onError === 'string' || isTree(onError)) return onError;
  if (!Array.isArray(onError)) return undefined;
  for (const entry of onError) {
    const [pattern, action] = Array.isArray(entry) ? entry : entry && typeof entry === 'object' ? Object.entries(entry)[0] ?? [] : [];
    if (patternMatches(pattern, message) || patternMatches(pattern, errorClass)) return action;
  }
  return undefined;
}

export function isTree(v: unknown): v is Tree {
  return Array.isArray(v) && v.length === 3 && typeof v[0] === 'string' && !!v[1] && typeof v[1] === 'object' && !Array.isArray(v[1]) && Array.isArray(v[2]);
}

/** A subprocess held in a variable: [expid, tree] as a define registers it, or a bare tree. */
export function isSubprocessValue(v: unknown): boolean {
  return isTree(v) || (Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && isTree(v[1]));
}

export function subprocessOf(v: unknown): [string, Tree] | undefined {
  if (isTree(v)) return ['0', v];
  if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && isTree(v[1])) return [v[0], v[1]];
  return undefined;
}

const DEFINE_NAMES = ['define', 'process_definition', 'workflow_definition'];

export function isDefinition(t: Tree): boolean {
  return DEFINE_NAMES.includes(t[0]);
}

/** Ruote's DefineExpression.reorganize: nested definitions first, then the body. */
export function reorganize(tree: Tree): [string | undefined, Tree] {
  const defs = tree[2].filter(isDefinition).map((d) => reorganize(d)[1]);
  const bodies = tree[2].filter((t) => !isDefinition(t));
  const attrs = tree[1];
  const name = (attrs.name as string | undefined) ?? Object.keys(attrs).find((k) => attrs[k] === null);
  return [name, ['define', attrs, [...defs, ...bodies]]];
}
