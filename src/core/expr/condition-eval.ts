// Evaluation rules (Ruote 2.3 Condition, made explicit):
// - truthiness: null, false, '' and the string 'false' are false; everything else (0, [], {}) true;
//   a blank condition is false.
// - == / !=: two numbers compare as numbers, null equals only null, lists/objects by JSON form,
//   anything else by text (so 1 == '1' and true == 'true' hold, as after substitution).
// - < <= > >=: two numbers numerically, otherwise by text (code-point order); false when a side is
//   null (nothing).
// - a comparison with nothing on one side (an unknown `${…}`) is false; `!=` is true then.
// - =~: the left text matched against /re/flags or the right text as a regular expression.
// - is set: not null and not ''. is empty: null, '', [] or {}. is null: null (also an unknown
//   `${…}`, which leaves nothing). is in: a list holds an equal item, an object an equal key;
//   anything else is not a list and gives false (Ruote rescues to false).
import { userRegExp } from '../user-regexp.js';
import { parseCondition, type Literal, type Node } from './condition-parser.js';
import { ConditionSyntaxError } from './expr-errors.js';

type Value = Literal | RegExp;

function text(v: Value): string {
  if (v === null) return '';
  if (typeof v === 'string') return v;
  if (v instanceof RegExp) return v.source;
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

export function truthy(v: Value): boolean {
  return !(v === null || v === false || v === '' || v === 'false');
}

function equal(a: Value, b: Value): boolean {
  if (a === null || b === null) return a === b;
  if (typeof a === 'number' && typeof b === 'number') return a === b;
  return text(a) === text(b);
}

function order(op: string, a: Value, b: Value): boolean {
  if (a === null || b === null) return false;
  const [x, y] = typeof a === 'number' && typeof b === 'number' ? [a, b] : [text(a), text(b)];
  if (op === '<') return x < y;
  if (op === '<=') return x <= y;
  if (op === '>') return x > y;
  return x >= y;
}

function regex(source: string, flags: string): RegExp {
  try {
    return userRegExp(source, flags);
  } catch (e) {
    throw new ConditionSyntaxError(`invalid regular expression /${source}/${flags}: ${(e as Error).message}`);
  }
}

function isEmpty(v: Value): boolean {
  if (v === null || v === '') return true;
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === 'object' && !(v instanceof RegExp)) return Object.keys(v).length === 0;
  return false;
}

function member(v: Value, list: Value): boolean {
  if (Array.isArray(list)) return list.some((item) => equal(item, v));
  if (list !== null && typeof list === 'object' && !(list instanceof RegExp)) return Object.keys(list).some((k) => equal(k, v));
  return false;
}

function evaluate(n: Node): Value {
  switch (n.k) {
    case 'lit':
      return n.v;
    case 'missing':
      return null;
    case 'regex':
      return regex(n.src, n.flags);
    case 'list':
      return n.items.map((i) => evaluate(i) as Literal);
    case 'object': {
      const out: Record<string, Literal> = {};
      for (const [k, v] of n.entries) out[text(evaluate(k))] = v === null ? null : (evaluate(v) as Literal);
      return out;
    }
    case 'group':
      return evaluate(n.e);
    case 'not':
      return !truthy(evaluate(n.e));
    case 'and':
      return truthy(evaluate(n.l)) && truthy(evaluate(n.r));
    case 'or':
      return truthy(evaluate(n.l)) || truthy(evaluate(n.r));
    case 'cmp': {
      // As Ruote: a comparison with nothing on one side is false (` == a`, ` == ''`, ` == `);
      // `!=` is true when exactly one side is missing.
      const missing = (n.l.k === 'missing' ? 1 : 0) + (n.r.k === 'missing' ? 1 : 0);
      if (missing > 0 && (n.op !== '=~' || n.r.k === 'missing')) return n.op === '!=' && missing === 1;
      const l = evaluate(n.l);
      const r = evaluate(n.r);
      if (n.op === '=~') return (r instanceof RegExp ? r : regex(text(r), '')).test(text(l));
      if (n.op === '==') return equal(l, r);
      if (n.op === '!=') return !equal(l, r);
      return order(n.op, l, r);
    }
    case 'test': {
      const v = evaluate(n.e);
      let result: boolean;
      if (n.test === 'set') result = v !== null && v !== '';
      else if (n.test === 'empty') result = isEmpty(v);
      else if (n.test === 'null') result = v === null;
      else result = member(v, n.list === null ? null : evaluate(n.list));
      return n.neg ? !result : result;
    }
  }
}

/** Parses and evaluates substituted condition text; throws ConditionSyntaxError. */
export function evaluateText(text: string): boolean {
  return truthy(evaluate(parseCondition(text, false)));
}
