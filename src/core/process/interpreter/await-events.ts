// Which event an await (expression or attribute) listens to, from its attributes.
import type { Interp } from './interp.js';
import type { ExpressionState, TrackedEvent } from './types.js';

const INS = ['in', 'entered', 'reached'];
const OUTS = ['out', 'left'];
const SPLIT_R = new RegExp(`^(?:(${[...INS, ...OUTS].join('|')})_)?(tag|participant|error)s?$`);
const AWAIT_R = new RegExp(`^(?:(${[...INS, ...OUTS].join('|')})_)?(tag|participant)s?\\s*:\\s*(.+)$`);

/** onlyAwaitKey: the await attribute on another expression reads only its 'await' key. */
export function eventOf(ip: Interp, exp: ExpressionState, onlyAwaitKey = false): [TrackedEvent, string | string[] | undefined] | undefined {
  for (const k of onlyAwaitKey ? ['await'] : Object.keys(exp.tree[1])) {
    const raw = ip.att(exp, k);
    let direction: string | undefined;
    let type: string | undefined;
    let value: unknown;
    const m = k === 'await' ? AWAIT_R.exec(String(raw)) : null;
    if (k === 'await' && m) [direction, type, value] = [m[1] ?? 'in', m[2], m[3]];
    else if (k === 'await' && !String(raw).includes(':')) [direction, type, value] = ['left', 'tag', raw];
    else {
      const s = SPLIT_R.exec(k);
      if (s) [direction, type, value] = [s[1] ?? 'in', s[2], raw];
    }
    if (!type) continue;
    const name = value === undefined || value === null ? undefined : Array.isArray(value) ? value.map(String) : String(value).trim();
    if (type === 'error') return ['error_intercepted', name];
    const inward = INS.includes(direction!);
    if (type === 'tag') return [inward ? 'entered_tag' : 'left_tag', name];
    return [inward ? 'dispatch' : 'receive', name];
  }
  return undefined;
}
