// set/unset and inc/dec/push/pop: write fields and variables (ruote's set_vf, lookup_val).
import { ExpressionError, type ExpressionKind, type Interp } from '../interp.js';
import { getPath, setPath, unsetPath } from '../scope.js';
import type { ExpressionState, Workitem } from '../types.js';
import { sequenceReply } from './sequence-expressions.js';
import { COMMON_ATT_KEYS } from '../tree-utils.js';

const VV = ['val', 'value'];
const cart = (a: string[], b: string[]) => a.flatMap((x) => b.map((y) => `${x}_${y}`));

/** ruote's lval: a literal value, a variable's value or a field's value, by attribute name. */
export function lookupVal(ip: Interp, exp: ExpressionState, vals: string[], vars: string[], flds: string[], escape = false): unknown {
  const get = (k: string) => (escape ? exp.tree[1][k] : ip.att(exp, k));
  let k = ip.hasAtt(exp, ...vals);
  if (k) return get(k);
  k = ip.hasAtt(exp, ...vars);
  if (k) return ip.lookupVar(exp, String(get(k)));
  k = ip.hasAtt(exp, ...flds);
  if (k) return getPath(exp.applied.fields, String(get(k)));
  return undefined;
}

export function lookupValPrefix(ip: Interp, exp: ExpressionState, prefix: string, escape = false): unknown {
  return lookupVal(ip, exp, [prefix, ...VV.map((s) => `${prefix}_${s}`)],
    ['v', 'var', 'variable'].map((s) => `${prefix}_${s}`), ['f', 'fld', 'field'].map((s) => `${prefix}_${s}`), escape);
}

/** "f:x" / "field:x" / "x" → field x; "v:x" / "var:x" → variable x. */
export function setVf(ip: Interp, exp: ExpressionState, key: string, value: unknown, opts: { unset?: boolean; override?: unknown; wi?: Workitem } = {}): void {
  const m = /^([^:]+):(.+)$/.exec(key);
  const field = m ? m[1].startsWith('f') : true;
  const k = m ? m[2] : key;
  if (field) setF(exp, k, value, opts.unset, opts.wi);
  else if (opts.unset) ip.unsetVar(exp, k, opts.override);
  else ip.setVar(exp, k, value, opts.override);
}

function readVf(ip: Interp, exp: ExpressionState, key: string): unknown {
  const m = /^([^:]+):(.+)$/.exec(key);
  if (m && !m[1].startsWith('f')) return ip.lookupVar(exp, m[2]);
  return getPath(exp.applied.fields, m ? m[2] : key);
}

function setF(exp: ExpressionState, key: string, value: unknown, unset?: boolean, wi: Workitem = exp.applied): void {
  if (unset) unsetPath(wi.fields, key);
  else setPath(wi.fields, key, value);
}

export const set: ExpressionKind = {
  apply(ip, exp) {
    exp.variables ??= {};
    sequenceReply(ip, exp, exp.applied);
  },
  reply: sequenceReply,
  replyToParent(ip, exp, wi) {
    if (exp.state !== undefined) return ip.baseReplyToParent(exp, wi);
    exp.applied.fields = wi.fields;
    const escape = String(ip.att(exp, 'escape')) === 'true';
    const atts = ip.compileAtts(exp);
    const forbidden = [...COMMON_ATT_KEYS, 'escape', 'over', 'override'];
    const kv = Object.entries(atts).find(([k]) => !forbidden.includes(k));
    const override = ip.att(exp, 'override') ?? ip.att(exp, 'over');
    const unset = exp.name === 'unset';
    exp.variables = undefined;
    const value = exp.tree[2].length === 0
      ? lookupVal(ip, exp, VV, cart(['v', 'var', 'variable'], VV), cart(['f', 'fld', 'field'], VV), escape)
      : exp.applied.fields.__result__;
    const varKey = ip.hasAtt(exp, 'v', 'var', 'variable');
    const fieldKey = ip.hasAtt(exp, 'f', 'fld', 'field');
    let target: string;
    let v: unknown = value;
    if (varKey) target = `v:${ip.att(exp, varKey)}`;
    else if (fieldKey) target = `f:${ip.att(exp, fieldKey)}`;
    else if (value === undefined && kv) [target, v] = [kv[0], escape ? exp.tree[1][kv[0]] : kv[1]];
    else if (kv) target = kv[0];
    else throw new ExpressionError(`missing a variable or field target in ${JSON.stringify(exp.tree)}`, 'ArgumentError');
    // Default __result__: the value set, or the value removed by unset (as ruote).
    const result = unset ? readVf(ip, exp, target) : v ?? null;
    setVf(ip, exp, target, v ?? null, { unset, override });
    if (result === undefined) delete exp.applied.fields.__result__;
    else exp.applied.fields.__result__ = result;
    ip.baseReplyToParent(exp, exp.applied);
  },
};

const PREFIX = /^([^:]+):(.+)$/;

function numberOf(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v))) return Number(v);
  return undefined;
}

// inc/dec on numbers, push/pop (and inc/dec on arrays) on lists.
export const inc: ExpressionKind = {
  apply(ip, exp) {
    exp.variables ??= {};
    sequenceReply(ip, exp, exp.applied);
  },
  reply: sequenceReply,
  replyToParent(ip, exp, wi) {
    if (exp.state !== undefined) return ip.baseReplyToParent(exp, wi);
    const fromChildren = wi.fei !== exp.fei;
    exp.applied.fields = wi.fields;
    exp.variables = undefined;
    const name = exp.name;
    const dec = name.startsWith('dec') || name === 'pop';
    let type: 'var' | 'field' | undefined;
    let key: string;
    let increment: unknown;
    const varKey = ip.hasAtt(exp, 'v', 'var', 'variable');
    const fieldKey = ip.hasAtt(exp, 'f', 'fld', 'field');
    const text = ip.attText(exp);
    if (varKey) { type = 'var'; key = String(ip.att(exp, varKey)); }
    else if (fieldKey) { type = 'field'; key = String(ip.att(exp, fieldKey)); }
    else if (text !== undefined) key = text;
    else {
      const kv = Object.entries(ip.compileAtts(exp)).find(([k]) => !COMMON_ATT_KEYS.includes(k) && !k.startsWith('to_') && !['pos', 'position'].includes(k));
      if (!kv) throw new ExpressionError('no variable or field to increment/decrement', 'ArgumentError');
      [key, increment] = kv;
    }
    if (type === undefined) {
      const m = PREFIX.exec(key);
      if (m) { type = m[1].startsWith('f') ? 'field' : 'var'; key = m[2]; } else type = 'field';
    }
    let delta = increment ?? lookupVal(ip, exp, VV, cart(['v', 'var', 'variable'], VV), cart(['f', 'fld', 'field'], VV));
    if (delta === undefined && fromChildren) delta = exp.applied.fields.__result__;
    let current = type === 'var' ? ip.lookupVar(exp, key) : getPath(exp.applied.fields, key);
    const target = (type === 'var' ? 'v:' : 'f:') + key;
    if (name === 'push' || name === 'pop') current = current == null ? [] : Array.isArray(current) ? current : [current];
    const n = numberOf(delta ?? 1);
    if (!Array.isArray(current) && n !== undefined && name !== 'push' && name !== 'pop') {
      setVf(ip, exp, target, (numberOf(current) ?? 0) + (dec ? -n : n));
      return ip.baseReplyToParent(exp, exp.applied);
    }
    const list = Array.isArray(current) ? [...current] : [];
    const pos = ip.att(exp, 'position') ?? ip.att(exp, 'pos') ?? 'tail';
    if (!dec) {
      const v = delta ?? 1;
      setVf(ip, exp, target, pos === 'tail' ? [...list, v] : [v, ...list]);
      return ip.baseReplyToParent(exp, exp.applied);
    }
    let car: unknown;
    if (delta !== undefined) {
      const i = list.findIndex((e) => JSON.stringify(e) === JSON.stringify(delta));
      if (i >= 0) { car = list[i]; list.splice(i, 1); }
    } else if (pos === 'tail') car = list.pop();
    else car = list.shift();
    const toV = ip.att(exp, 'to_v') ?? ip.att(exp, 'to_var') ?? ip.att(exp, 'to_variable');
    const toF = ip.att(exp, 'to_f') ?? ip.att(exp, 'to_fld') ?? ip.att(exp, 'to_field');
    setVf(ip, exp, toV ? `v:${toV}` : toF ? `f:${toF}` : '__result__', car);
    setVf(ip, exp, target, list);
    ip.baseReplyToParent(exp, exp.applied);
  },
};
