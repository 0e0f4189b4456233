// await: waits for an event of this process (a tag entered or left, a participant reached or
// replied, an error) — ruote's fe_await, limited to the process it runs in (no :global).
//   await left_tag: 'x'  |  await 'x' (left tag x)  |  await in_tag: 'x'  |  await participant: 'alpha'
//   await out_participant: 'alpha'  |  await error: '/timeout/'  |  await await: 'left_tag: x'
// Without children it replies once; with children it runs them (forgotten) on every event.
import { ExpressionError, clone, type ExpressionKind, type Interp } from '../interp.js';
import type { ExpressionState, TrackedEvent, Workitem } from '../types.js';

const INS = ['in', 'entered', 'reached'];
const OUTS = ['out', 'left'];
const SPLIT_R = new RegExp(`^(?:(${[...INS, ...OUTS].join('|')})_)?(tag|participant|error)s?$`);
const AWAIT_R = new RegExp(`^(?:(${[...INS, ...OUTS].join('|')})_)?(tag|participant)s?\\s*:\\s*(.+)$`);

function eventOf(ip: Interp, exp: ExpressionState): [TrackedEvent, string | string[] | undefined] | undefined {
  for (const k of Object.keys(exp.tree[1])) {
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

export const awaitExp: ExpressionKind = {
  apply(ip, exp) {
    const ev = eventOf(ip, exp);
    if (!ev) throw new ExpressionError(`couldn't determine which event to listen to from: ${JSON.stringify(exp.tree[1])}`, 'ArgumentError');
    exp.data.merge = String(ip.att(exp, 'merge') ?? '');
    (ip.state.trackers ??= []).push({ fei: exp.fei, event: ev[0], condition: ev[1] });
  },
  reply(ip, exp, wi) {
    const where = exp.tree[1].where;
    if (where != null && !ip.isTrue(exp, where, wi)) return;
    const applied = clone(exp.applied.fields);
    const merge = exp.data.merge as string;
    const fields = merge === 'ignore' || merge === 'drop' ? applied
      : merge === 'incoming' ? { ...applied, ...wi.fields }
      : merge === 'awaiting' ? { ...wi.fields, ...applied }
      : wi.fields;
    const children = exp.tree[2];
    if (children.length === 0) return ip.replyToParent(exp, { fields });
    const [expid, tree] = children.length === 1 ? [`${exp.expid}_0`, children[0]] : [exp.expid, ['sequence', {}, children]];
    ip.enqueue({
      action: 'apply', fei: `${expid}!${ip.newSubid()}`, tree: clone(tree) as never, workitem: { fields },
      variables: ip.compileVars(exp), forgotten: true,
    });
  },
  replyToParent(ip, exp, wi: Workitem) {
    if (ip.state.trackers) ip.state.trackers = ip.state.trackers.filter((t) => t.fei !== exp.fei);
    ip.baseReplyToParent(exp, wi);
  },
};
