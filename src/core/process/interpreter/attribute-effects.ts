// Attributes any expression may carry that act around it: tag, timeout/timers, take/discard.
import type { Interp } from './interp.js';
import { parseDueAt } from './duration.js';
import { ExpressionError } from './expression-error.js';
import { COMMAND_RE, clone, keyMatches } from './tree-utils.js';
import type { ExpressionState, InternalMessage, Workitem } from './types.js';

export function considerTag(ip: Interp, exp: ExpressionState): void {
  const tag = ip.att(exp, 'tag');
  if (typeof tag !== 'string' || tag.trim() === '') return;
  exp.tagname = tag;
  const tags = Array.isArray(exp.applied.fields.__tags__) ? (exp.applied.fields.__tags__ as string[]) : [];
  // A re-applied (triggered) expression already carries its tag in the workitem; its variables
  // are pointed at the new expression (weft gives it a new subid, ruote keeps the fei).
  if (exp.trigger && tags[tags.length - 1] === tag) tags.pop();
  exp.fullTagname = [...tags, tag].join('/');
  // What a tag names: its expression (`fei`, what weft reads) and, as in Ruote, the parts of its id.
  const ref = { fei: exp.fei, engine_id: 'engine', wfid: ip.state.wfid, subid: exp.subid, expid: exp.expid };
  ip.setVar(exp, tag, ref);
  ip.setVar(exp, '/' + exp.fullTagname, { ...ref });
  if (!exp.trigger) ip.emitEvent('entered_tag', [tag, exp.fullTagname], exp.applied);
  exp.applied.fields.__tags__ = [...tags, tag];
}

// As Ruote: a handler that took a tagged expression's place (its trigger) says first how it ended.
const TRIGGERED: Record<string, string | null> = { on_cancel: 'cancelled', on_error: 'failed', on_timeout: 'timed out', on_re_apply: null };

export function leaveTag(ip: Interp, exp: ExpressionState, wi: Workitem): void {
  ip.unsetVar(exp, exp.tagname!);
  const tags = Array.isArray(wi.fields.__tags__) ? [...(wi.fields.__tags__ as string[])] : [];
  const i = tags.lastIndexOf(exp.tagname!);
  if (i >= 0) tags.splice(i, 1);
  wi.fields.__tags__ = tags;
  wi.fields.__left_tag__ = exp.tagname;
  ip.emitEvent('left_tag', [exp.tagname!, exp.fullTagname ?? exp.tagname!], wi);
  const root = ip.lookup(ip.state.root);
  if (!root?.variables || !exp.fullTagname) return;
  delete root.variables[exp.fullTagname];
  const how = exp.trigger !== undefined && exp.trigger in TRIGGERED ? TRIGGERED[exp.trigger]
    : exp.state === 'cancelling' || exp.state === 'cancelled' ? 'cancelled' : exp.state === 'dying' ? 'killed'
    : exp.state === 'failed' ? 'failed' : exp.state === 'timing_out' ? 'timed out' : null;
  const past = (root.variables.__past_tags__ ??= []) as unknown[];
  past.push([exp.fullTagname, exp.fei, how, new Date(ip.ctx.now).toISOString(), clone(exp.variables) ?? null]);
}

export function considerTimers(ip: Interp, exp: ExpressionState): void {
  const timers: string[] = [];
  const list = ip.att(exp, 'timers');
  if (typeof list === 'string') timers.push(...list.split(','));
  const to = ip.att(exp, 'timeout');
  if (to !== undefined && String(to).trim() !== '') timers.push(`${to}: timeout`);
  for (const t of timers) {
    const i = t.lastIndexOf(':');
    const after = t.slice(0, i).trim();
    const action = t.slice(i + 1).trim();
    if (after === '') continue;
    const due = parseDueAt(after, ip.ctx.now);
    if (due === undefined) throw new ExpressionError(`cannot read the time "${after}"`, 'ArgumentError');
    let msg: InternalMessage;
    const cmd = COMMAND_RE.exec(action);
    const err = /^err(or)?( *.+)?$/.exec(action);
    if (['timeout', 'undo', 'pass'].includes(action)) {
      msg = { action: 'cancel', fei: exp.fei, flavour: action === 'timeout' ? 'timeout' : undefined };
    } else if (action === 'redo' || action === 'retry') {
      msg = { action: 'cancel', fei: exp.fei, reApply: {} };
    } else if (err) {
      const message = err[2] ? err[2].trim() : `timer induced error ("${after}: ${action}")`;
      msg = { action: 'cancel', fei: exp.fei, reApply: { tree: ['error', { [message]: null }, []] } };
    } else if (cmd) {
      const arg = (cmd[2] ?? '').trim().split(' ').pop() ?? '';
      msg = { action: 'cancel', fei: exp.fei, reApply: { tree: [cmd[1], { [arg]: null }, []] } };
    } else {
      msg = {
        action: 'apply', fei: `${exp.expid}!${ip.newSubid()}`, parent: exp.fei, flanking: true,
        tree: [action, {}, []], workitem: clone(exp.applied),
      };
    }
    ip.schedule(exp, due, msg);
  }
}

/** The take / discard attributes: which of the reply's fields are kept over the applied ones. */
export function takeOrDiscard(ip: Interp, exp: ExpressionState, wi: Workitem): void {
  const take = ip.att(exp, 'take');
  const discard = take === undefined ? ip.att(exp, 'discard') : undefined;
  if (take === undefined && (discard === undefined || discard === false || discard === 'false')) return;
  const applied = clone(exp.applied.fields);
  delete applied.params;
  if (take !== undefined) {
    const keys = Array.isArray(take) ? take : [take];
    for (const k of Object.keys(wi.fields)) if (keyMatches(k, keys)) applied[k] = wi.fields[k];
    wi.fields = applied;
  } else if (discard === true || discard === 'true') {
    wi.fields = applied;
  } else {
    const keys = Array.isArray(discard) ? discard : [discard];
    for (const k of Object.keys(wi.fields)) {
      if (!keyMatches(k, keys)) continue;
      if (k in applied) wi.fields[k] = applied[k];
      else delete wi.fields[k];
    }
  }
}
