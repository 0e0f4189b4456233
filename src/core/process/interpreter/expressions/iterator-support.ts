// The list an iterator walks and where it puts each value (ruote's IteratorMixin, determine_tos).
import type { Interp } from '../interp.js';
import type { ExpressionState } from '../types.js';
import { lookupValPrefix } from './set-expressions.js';
import { ExpressionError } from '../expression-error.js';

// Default 100,000: the most turns `times` (or `branches`) may ask for.
const MAX_TIMES = 100_000;
// Default 10,000: the most branches a concurrent_iterator runs at once (each is an expression and a
// workitem in the process's state; 1,000,000 held the server for 90 s).
export const MAX_BRANCHES = 10_000;

export function determineList(ip: Interp, exp: ExpressionState): unknown[] {
  exp.data.timesIterator = false;
  const count = ip.att(exp, 'times') ?? ip.att(exp, 'branches');
  if (count !== undefined && !Number.isNaN(parseInt(String(count), 10))) {
    exp.data.timesIterator = true;
    const n = Math.max(0, parseInt(String(count), 10));
    // The list is made whole before the first turn: `times: 1e7` held the server while it was.
    if (n > MAX_TIMES) throw new ExpressionError(`times is at most ${MAX_TIMES}`, 'ArgumentError');
    return Array.from({ length: n }, (_, i) => i);
  }
  const list = lookupValPrefix(ip, exp, 'on');
  if (typeof list === 'string') {
    const sep = String(ip.att(exp, 'separator') ?? ip.att(exp, 'sep') ?? ',');
    // As Ruby's split: trailing empty entries are dropped, so '' is an empty list.
    const items = list.split(sep).map((s) => s.trim());
    while (items.length > 0 && items[items.length - 1] === '') items.pop();
    return items;
  }
  if (Array.isArray(list)) return list;
  if (list && typeof list === 'object') return Object.entries(list);
  return [];
}

export function determineTos(ip: Interp, exp: ExpressionState): [string | undefined, string | undefined] {
  let toV = ip.att(exp, 'to_v') ?? ip.att(exp, 'to_var') ?? ip.att(exp, 'to_variable');
  let toF = ip.att(exp, 'to_f') ?? ip.att(exp, 'to_fld') ?? ip.att(exp, 'to_field');
  const to = ip.att(exp, 'to');
  if (to !== undefined) {
    const parts = String(to).split(':');
    const [pre, key] = parts.length > 1 ? [parts[0], parts[1]] : ['f', parts[0]];
    if (pre.startsWith('f')) toF = key;
    else toV = key;
  }
  return [toV === undefined ? undefined : String(toV), toF === undefined ? undefined : String(toF)];
}
