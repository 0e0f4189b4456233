import { arrayPathOffset, jsonErrorOffset } from './json-error-offset.js';
import { positionAt, readFailure } from './reader-errors.js';
import { normaliseName, setOwn, type Tree } from './tree.js';

// Default 512: far deeper than any hand-written process, shallow enough that validating a
// hostile input cannot exhaust the stack.
const MAX_DEPTH = 512;

/**
 * Reads a JSON tree: a `[name, attributes, children]` array, or a string holding one as JSON.
 * The shape is checked strictly and recursively (Ruote's `is_tree?`, plus: names are non-empty,
 * attributes are plain objects of JSON values). Expression names are normalised
 * (`concurrent-iterator` → `concurrent_iterator`); attribute keys, bare ones included, are kept.
 * Returns a fresh tree; the input is not modified.
 */
export function readJsonTree(input: unknown): Tree {
  if (typeof input !== 'string') return checkTree(input, '0', 0, () => undefined);
  // A shape error in JSON text points at its expression: `0_1_2` is at [2, 1, 2, 2] from the top.
  const at: Locate = (expid) => {
    const offset = arrayPathOffset(input, expid.split('_').slice(1).flatMap((i) => [2, Number(i)]));
    return offset === undefined ? undefined : positionAt(input, offset);
  };
  return checkTree(parseJson(input), '0', 0, at);
}

type Position = { line: number; column: number } | undefined;
type Locate = (expid: string) => Position;

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    // V8 echoes the whole input in some messages; the position says where instead.
    const message = (e instanceof Error ? e.message : String(e)).replace(/, ".*" is not valid JSON$/s, '');
    const offset = jsonErrorOffset(text);
    throw readFailure(`invalid JSON: ${message}`, offset === undefined ? undefined : positionAt(text, offset));
  }
}

// `expid` names the offending expression by its position in the tree (root `0`, its first child `0_0`).
function checkTree(value: unknown, expid: string, depth: number, at: Locate): Tree {
  const fail = (message: string) => readFailure(message, at(expid));
  if (depth > MAX_DEPTH) throw fail(`expression ${expid}: tree is nested deeper than ${MAX_DEPTH} levels`);
  if (!Array.isArray(value) || value.length !== 3) {
    throw fail(`expression ${expid}: expected an array [name, attributes, children], got ${describe(value)}`);
  }
  const [name, attributes, children] = value as unknown[];
  if (typeof name !== 'string' || name.length === 0) {
    throw fail(`expression ${expid}: name must be a non-empty string, got ${describe(name)}`);
  }
  if (!isPlainObject(attributes)) {
    throw fail(`expression ${expid} (${name}): attributes must be an object, got ${describe(attributes)}`);
  }
  if (!Array.isArray(children)) {
    throw fail(`expression ${expid} (${name}): children must be an array, got ${describe(children)}`);
  }
  const atts: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(attributes)) {
    setOwn(atts, key, checkJsonValue(v, `expression ${expid} (${name}): attribute "${key}"`, depth, () => at(expid)));
  }
  return [normaliseName(name), atts, children.map((c, i) => checkTree(c, `${expid}_${i}`, depth + 1, at))];
}

function checkJsonValue(value: unknown, where: string, depth: number, at: () => Position): unknown {
  if (depth > MAX_DEPTH) throw readFailure(`${where}: value is nested deeper than ${MAX_DEPTH} levels`, at());
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (Number.isFinite(value)) return value;
    throw readFailure(`${where}: ${value} is not a JSON number`, at());
  }
  if (Array.isArray(value)) return value.map((v) => checkJsonValue(v, where, depth + 1, at));
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) setOwn(out, k, checkJsonValue(v, where, depth + 1, at));
    return out;
  }
  throw readFailure(`${where}: ${describe(value)} is not a JSON value`, at());
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  if (typeof v === 'object') return isPlainObject(v) ? 'an object' : `a ${Object.prototype.toString.call(v).slice(8, -1)}`;
  return `${typeof v} ${String(v)}`;
}
