// on_error / on_cancel / on_timeout handlers and re-applies (ruote's ro_on_x trigger and
// schedule_retries): what runs when an expression that failed, was cancelled or timed out
// finally replies.
import { ExpressionError } from './expression-error.js';
import type { Interp } from './interp.js';
import { parseDueAt } from './duration.js';
import { COMMAND_RE, clone } from './tree-utils.js';
import { setVf } from './expressions/set-expressions.js';
import type { ExpressionState, InternalMessage, Tree, Workitem } from './types.js';

const STORE_RE = /^(?:store|bury) *: *(.+)$/;

/** `take`: the handler of a "second take" (see baseReplyToParent), instead of the expression's own. */
export function trigger(ip: Interp, exp: ExpressionState, on: string, wi: Workitem, take?: unknown): void {
  let handler: unknown =
    take !== undefined ? take : on === 'on_error' ? exp.data.errorHandler ?? exp.onError : on === 'on_cancel' ? exp.onCancel : on === 'on_timeout' ? exp.onTimeout : exp.onReApply;
  if (on === 'on_error' && typeof handler === 'string') handler = handler.replace(/^!/, '');
  if (on === 'on_error' && typeof handler === 'string' && /([,*]|\d+[wdhmsMy]? *:)/.test(handler)) {
    return scheduleRetries(ip, exp, handler);
  }
  let tree: Tree;
  let workitem = wi;
  if (on === 'on_re_apply') {
    const ra = handler as NonNullable<ExpressionState['onReApply']>;
    tree = clone(ra.tree);
    if (ra.applied) workitem = exp.applied;
    handler = undefined;
  } else if (Array.isArray(handler)) {
    tree = clone(handler as Tree);
  } else {
    tree = [String(handler), {}, []];
  }
  let h = typeof handler === 'string' ? handler.trim() : undefined;
  if (h && /^can(cel|do)$/.test(h) && (on === 'on_cancel' || exp.onCancel == null)) h = h === 'cancel' ? 'undo' : 'redo';
  if (h === 'redo' || h === 'retry') tree = clone(exp.tree);
  else if (h === 'undo' || h === 'pass' || h === '') {
    exp.state = on === 'on_cancel' ? 'cancelled' : 'failed';
    return ip.replyToParent(exp, wi);
  } else if (h === 'cancel') return trigger(ip, exp, 'on_cancel', wi);
  else if (h !== undefined && STORE_RE.test(h)) {
    // store: x / bury: v:y — the error is kept in a field (or a variable) and the process goes on,
    // as if the expression had replied.
    exp.state = 'failed';
    setVf(ip, exp, STORE_RE.exec(h)![1], exp.applied.fields.__error__ ?? null, { wi });
    return ip.replyToParent(exp, wi);
  }
  else if (h === 'raise') {
    const err = (exp.applied.fields.__error__ ?? {}) as { message?: string };
    exp.state = 'failed';
    const parent = ip.lookup(exp.parent);
    if (parent) return ip.handleError(parent.fei, new ExpressionError(err.message ?? 'raised'), { action: 'reply', fei: parent.fei, workitem: wi });
    return ip.recordError(exp.fei, exp.expid, err.message ?? 'raised', { action: 'reply', fei: exp.fei, workitem: wi });
  } else if (h !== undefined && COMMAND_RE.test(h)) {
    const parts = h.split(' ');
    exp.state = undefined;
    const step = parts[parts.length - 1];
    wi.fields.__command__ = [parts[0], /^-?\d+$/.test(step) ? Number(step) : step];
    // As ruote: the expression's own reply, so that a cursor with on_error 'rewind' rewinds.
    const kind = ip.kindOf(exp);
    return kind.reply ? kind.reply(ip, exp, wi) : ip.replyToParent(exp, wi);
  }
  if (on === 'on_error') workitem = exp.applied;
  tree[0] = tree[0].replace(/^!/, '');
  tree[1] = { ...tree[1], _triggered: on };
  for (const [k, v] of Object.entries(exp.tree[1])) {
    if ((k.startsWith('on_') && k !== on) || k === 'tag') tree[1][k] = v;
  }
  ip.supplant(exp, tree, workitem, on);
}

function scheduleRetries(ip: Interp, exp: ExpressionState, handler: string): void {
  const retries = handler.split(/\s*,\s*/);
  const first = retries.shift()!;
  const colon = first.indexOf(':');
  let after = colon < 0 ? '0' : first.slice(0, colon);
  const action = colon < 0 ? first : first.slice(colon + 1);
  const m = /^ *([^ ]+) *\* *(\d+)$/.exec(action);
  if (m) {
    const count = Number(m[2]) - 1;
    if (count === 1) retries.unshift(`${after}: ${m[1]}`);
    else if (count > 1) retries.unshift(`${after}: ${m[1]} * ${count}`);
  }
  const tree = clone(exp.tree);
  if (retries.length === 0) delete tree[1].on_error;
  else tree[1].on_error = retries.join(', ');
  exp.tree = tree;
  after = after.trim();
  const msg: InternalMessage = { action: 'cancel', fei: exp.fei, flavour: 'retry', reApply: {} };
  const due = parseDueAt(after, ip.ctx.now);
  if (due === undefined || due <= ip.ctx.now) ip.enqueue(msg);
  else ip.schedule(exp, due, msg);
}
