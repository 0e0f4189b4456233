// The stored form of a ProcessState. PERF: a state held the definition tree about four times (the
// process's, the root expression's, the subprocess variable naming it — once more in the process's
// variables — and each running expression's subtree) and every fei three or four times; a step
// rewrites the whole row, and the bytes were most of its cost on SQLite. The packed form leaves out
// what the rest of the document determines, and nothing else:
//
// - an expression's `fei` (its key), `expid` and `subid` (the two halves of its fei), and its
//   workitem's `fei` when it is the expression's own;
// - an expression's `tree` when it is its parent's child at its position (when the parent has none
//   there, as a root: the process's tree at its expid);
// - a variable holding a subprocess `[expid, tree]` whose tree is the holder's own subtree at that
//   expid: `vrefs` names them and the variable keeps the expid alone;
// - the process's `variables` when they are its root expression's (what every step leaves).
//
// Each is left out only when it is exactly (key order included) what unpacking rebuilds, so
// pack → JSON → unpack gives what JSON alone gave (only an expression's own members may come in
// another order). A packed state says so with `packed: 1`; a state without it (rows written before
// this format) is read as it is.

import type { ExpressionState, ProcessState, Tree } from './types.js';
import { clone } from './tree-utils.js';

const VERSION = 1;

interface PackedExpression extends Omit<Partial<ExpressionState>, 'tree'> {
  /** null: the expression had no tree (never written so; kept exact all the same). */
  tree?: Tree | null;
  /** Variables whose subprocess tree was left out (each keeps its expid). */
  vrefs?: string[];
  /** Its workitem had no fei (else a missing one is the expression's own). */
  nofei?: true;
}

/** Whether two JSON values serialise to the same text (object key order included); false when unsure. */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (let i = 0; i < ka.length; i++) {
    if (ka[i] !== kb[i]) return false;
    const va = (a as Record<string, unknown>)[ka[i]];
    const vb = (b as Record<string, unknown>)[kb[i]];
    // JSON drops an undefined member: only both undefined serialise alike.
    if (va === undefined || vb === undefined) {
      if (va !== vb) return false;
      continue;
    }
    if (!sameJson(va, vb)) return false;
  }
  return true;
}

function isTreeLike(v: unknown): v is Tree {
  return Array.isArray(v) && v.length === 3 && typeof v[0] === 'string' && Array.isArray(v[2]);
}

/** The subtree of `tree` (the tree at expid `base`) at expid `expid`; undefined when there is none. */
function subtreeAt(tree: unknown, base: string, expid: string): Tree | undefined {
  if (expid !== base && !expid.startsWith(base + '_')) return undefined;
  let cur: unknown = tree;
  if (expid.length > base.length) {
    for (const part of expid.slice(base.length + 1).split('_')) {
      if (!isTreeLike(cur) || !/^(0|[1-9][0-9]*)$/.test(part)) return undefined;
      cur = cur[2][Number(part)];
    }
  }
  return isTreeLike(cur) ? cur : undefined;
}

/**
 * The tree an expression gets when its own is left out: its parent's child at its position when
 * the parent has one there, else the process's tree at its expid (a root; a subprocess defined in
 * the process, whose parent is the expression that called it).
 */
function impliedTree(expid: string, parent: { expid?: string; tree?: Tree | null } | undefined, processTree: Tree): Tree | undefined {
  const child = parent?.tree && typeof parent.expid === 'string' && expid !== parent.expid ? subtreeAt(parent.tree, parent.expid, expid) : undefined;
  return child ?? subtreeAt(processTree, '0', expid);
}

function splitFei(fei: string): [string, string] | null {
  const at = fei.indexOf('!');
  return at < 0 || fei.indexOf('!', at + 1) >= 0 ? null : [fei.slice(0, at), fei.slice(at + 1)];
}

/** The stored form of a state (a new object; the state is not changed). */
export function packState(state: ProcessState): unknown {
  const out: Record<string, unknown> = { packed: VERSION };
  const exps = state.expressions;
  const root = state.root === undefined ? undefined : exps?.[state.root];
  for (const k in state) {
    const v = (state as unknown as Record<string, unknown>)[k];
    if (k === 'expressions') {
      const packed: Record<string, PackedExpression> = {};
      for (const fei in exps) packed[fei] = packExpression(fei, exps[fei], exps, state.tree);
      out.expressions = packed;
    } else if (k === 'variables' && root !== undefined && v !== undefined && v === root.variables) {
      // Left out: the root's.
    } else out[k] = v;
  }
  return out;
}

function packExpression(key: string, exp: ExpressionState, exps: Record<string, ExpressionState>, processTree: Tree): PackedExpression {
  const out: Record<string, unknown> = {};
  const halves = splitFei(key);
  const parent = exp.parent === undefined ? undefined : exps[exp.parent];
  for (const k in exp) {
    const v = (exp as unknown as Record<string, unknown>)[k];
    if (k === 'tree') {
      if (v === undefined) out.tree = null;
      else {
        const implied = impliedTree(exp.expid, parent, processTree);
        if (implied === undefined || !sameJson(v, implied)) out.tree = v;
      }
      continue;
    }
    if (v === undefined) continue;
    if (k === 'fei' && v === key) continue;
    if (halves && ((k === 'expid' && v === halves[0]) || (k === 'subid' && v === halves[1]))) continue;
    if (k === 'applied' && v !== null && typeof v === 'object') {
      const applied = v as ExpressionState['applied'];
      if (applied.fei === undefined) {
        out.applied = applied;
        out.nofei = true;
        continue;
      }
      // Left out when it is the expression's own and last (where unpacking puts it back).
      if (applied.fei === key && lastKey(applied) === 'fei') {
        const { fei: _, ...rest } = applied;
        out.applied = rest;
        continue;
      }
    }
    if (k === 'variables' && v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const packed = packVariables(v as Record<string, unknown>, exp);
      if (packed) {
        out.variables = packed.variables;
        out.vrefs = packed.vrefs;
        continue;
      }
    }
    out[k] = v;
  }
  return out as PackedExpression;
}

function lastKey(o: object): string | undefined {
  let last: string | undefined;
  for (const k in o) last = k;
  return last;
}

function packVariables(vars: Record<string, unknown>, exp: ExpressionState): { variables: Record<string, unknown>; vrefs: string[] } | null {
  let vrefs: string[] | null = null;
  const out: Record<string, unknown> = {};
  for (const name in vars) {
    const v = vars[name];
    if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && isTreeLike(v[1])) {
      const own = subtreeAt(exp.tree, exp.expid, v[0]);
      if (own !== undefined && sameJson(v[1], own)) {
        (vrefs ??= []).push(name);
        out[name] = v[0];
        continue;
      }
    }
    out[name] = v;
  }
  return vrefs ? { variables: out, vrefs } : null;
}

/** A state as read from a row: a packed one is unpacked (in place), an older one is returned as it is. */
export function unpackState(stored: unknown): ProcessState {
  const s = stored as Record<string, unknown>;
  if (s === null || typeof s !== 'object' || s.packed === undefined) return stored as ProcessState;
  if (s.packed !== VERSION) throw new Error(`unknown process state format ${String(s.packed)}`);
  delete s.packed;
  const state = s as unknown as ProcessState;
  const exps = state.expressions as unknown as Record<string, PackedExpression>;
  // Parents first: a child's tree may be its parent's child.
  const started = new Set<string>();
  const done = new Set<string>();
  const unpack = (key: string): void => {
    if (started.has(key)) return;
    started.add(key);
    const e = exps[key];
    const halves = splitFei(key);
    if (e.fei === undefined) e.fei = key;
    if (e.expid === undefined && halves) e.expid = halves[0];
    if (e.subid === undefined && halves) e.subid = halves[1];
    const parent = e.parent === undefined ? undefined : exps[e.parent];
    if (parent) unpack(e.parent!);
    if (e.tree === null) delete e.tree;
    else if (e.tree === undefined) {
      // Parents form a tree; in a broken state where they do not, a tree left out has no base.
      if (parent && !done.has(e.parent!)) throw new Error(`process state: the parents of ${key} form a cycle`);
      const implied = impliedTree(e.expid!, parent, state.tree);
      if (implied === undefined) throw new Error(`process state: no tree for ${key}`);
      e.tree = clone(implied);
    }
    if (e.nofei) delete e.nofei;
    else if (e.applied && e.applied.fei === undefined) e.applied.fei = key;
    if (e.vrefs) {
      for (const name of e.vrefs) {
        const expid = e.variables![name] as string;
        e.variables![name] = [expid, clone(subtreeAt(e.tree, e.expid!, expid)!)];
      }
      delete e.vrefs;
    }
    done.add(key);
  };
  for (const key in exps) unpack(key);
  const root = state.root === undefined || state.expressions === undefined ? undefined : state.expressions[state.root];
  if (!Object.prototype.hasOwnProperty.call(state, 'variables') && root?.variables !== undefined) state.variables = root.variables;
  return state;
}
