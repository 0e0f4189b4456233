// await: waits for an event of this process (a tag entered or left, a participant reached or
// replied, an error) — ruote's fe_await, limited to the process it runs in (no :global).
//   await left_tag: 'x'  |  await 'x' (left tag x)  |  await in_tag: 'x'  |  await participant: 'alpha'
//   await out_participant: 'alpha'  |  await error: '/timeout/'  |  await await: 'left_tag: x'
// Without children it replies once; with children it runs them (forgotten) on every event.
import { ExpressionError, clone, type ExpressionKind } from '../interp.js';
import type { TrackedEvent, Workitem } from '../types.js';
import { eventOf } from '../await-events.js';

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

const UPONS: Record<string, TrackedEvent> = { apply: 'dispatch', reply: 'receive', entering: 'entered_tag', leaving: 'left_tag' };

// listen (alias receive, intercept): the older form of await — `listen to: 'alpha'` (upon
// apply, the default, or reply), `listen to: 'x', upon: 'leaving'` for tags, `listen to: 'errors'`.
export const listen: ExpressionKind = {
  apply(ip, exp) {
    const to = ip.att(exp, 'to') ?? ip.att(exp, 'on');
    let event = UPONS[String(ip.att(exp, 'upon') ?? 'apply')];
    if (!event) throw new ExpressionError(`listen: unknown upon ${JSON.stringify(exp.tree[1].upon)}`, 'ArgumentError');
    let condition = to === undefined ? undefined : String(to);
    if (to === 'errors') {
      event = 'error_intercepted';
      condition = ip.att(exp, 'message') ?? ip.att(exp, 'msg') ?? ip.att(exp, 'class');
    }
    const merge = String(ip.att(exp, 'merge') ?? 'true');
    exp.data.merge = merge === 'true' ? 'incoming' : merge === 'override' ? 'override' : 'ignore';
    (ip.state.trackers ??= []).push({ fei: exp.fei, event, condition });
  },
  reply: awaitExp.reply,
  replyToParent: awaitExp.replyToParent,
};
