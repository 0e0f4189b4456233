// sequence, let, define (as a child), echo, noop, stall, error, wait/sleep, cancel_process.
import { ExpressionError, childIndexOf, reorganize, type ExpressionKind, type Interp } from '../interp.js';
import { parseDueAt, parseDuration } from '../duration.js';
import type { ExpressionState, Workitem } from '../types.js';

export function sequenceReply(ip: Interp, exp: ExpressionState, wi: Workitem): void {
  const position = wi.fei === exp.fei ? 0 : childIndexOf(wi.fei!) + 1;
  if (position < exp.tree[2].length) ip.applyChild(exp, position, wi);
  else ip.replyToParent(exp, wi);
}

export const sequence: ExpressionKind = {
  apply(ip, exp) {
    if (exp.name === 'let') exp.variables ??= {};
    sequenceReply(ip, exp, exp.applied);
  },
  reply: sequenceReply,
};

// A nested define met while running: registers itself as a subprocess in the enclosing scope.
export const define: ExpressionKind = {
  apply(ip, exp) {
    const [, tree] = reorganize(exp.tree);
    const name = ip.att(exp, 'name') ?? ip.attText(exp);
    if (name) ip.setVar(exp, String(name), [exp.expid, tree]);
    ip.replyToParent(exp, exp.applied);
  },
};

export const echo: ExpressionKind = {
  apply(ip, exp) {
    const t = ip.att(exp, 'text') ?? ip.attText(exp) ?? '';
    ip.state.trace.push(typeof t === 'string' ? t : JSON.stringify(t));
    ip.replyToParent(exp, exp.applied);
  },
};

export const noop: ExpressionKind = {
  apply(ip, exp) {
    ip.replyToParent(exp, exp.applied);
  },
};

// Never replies; only a cancel (or a timeout) moves the flow on.
export const stall: ExpressionKind = { apply() {} };

// Raises on its reply to itself, so that a replay (which re-runs that reply) goes on past it.
export const error: ExpressionKind = {
  apply(ip, exp) {
    ip.enqueue({ action: 'reply', fei: exp.fei, workitem: exp.applied });
  },
  reply(ip, exp, wi) {
    if (exp.data.triggered) return ip.replyToParent(exp, wi);
    const reKey = ip.hasAtt(exp, 'reraise', 're');
    if (reKey) {
      // Re-raises an error kept in a field (e.g. '$f:__error__' saved by an on_error handler).
      const re = ip.att(exp, reKey);
      if (re === undefined || re === null || re === '') return ip.replyToParent(exp, wi);
      exp.data.triggered = true;
      if (typeof re === 'object') throw new ExpressionError(String(re.message ?? 'error'), String(re.class ?? 'Ruote::ForcedError'));
      throw new ExpressionError(String(re));
    }
    let msg = ip.att(exp, 'msg') ?? ip.att(exp, 'message') ?? ip.attText(exp) ?? '';
    msg = String(msg);
    if (msg.trim() === '') msg = 'error triggered from process definition';
    exp.data.triggered = true;
    throw new ExpressionError(msg);
  },
};

export const wait: ExpressionKind = {
  apply(ip, exp) {
    let at = ip.att(exp, 'for') ?? ip.attText(exp);
    if (at === undefined || at === '') at = ip.att(exp, 'until');
    if (at === undefined || at === '') return ip.replyToParent(exp, exp.applied);
    const due = parseDueAt(at, ip.ctx.now);
    if (due === undefined) throw new ExpressionError(`cannot read the time "${at}"`, 'ArgumentError');
    ip.schedule(exp, due, { action: 'reply', fei: exp.fei, workitem: exp.applied });
  },
};

export const cancelProcess: ExpressionKind = {
  apply(ip, exp) {
    ip.enqueue({ action: 'cancel_process', flavour: exp.name === 'kill_process' ? 'kill' : undefined });
  },
  reply() {},
};

// every (and cron with an interval): runs its first child, forgotten, at each interval until
// cancelled. Cron tabs ("0 9 * * 1-5") are not read: only durations.
export const every: ExpressionKind = {
  apply(ip, exp) {
    const spec = ip.att(exp, 'interval') ?? ip.att(exp, 'tab') ?? ip.attText(exp);
    const ms = parseDuration(spec);
    if (ms === undefined || ms <= 0) throw new ExpressionError(`${exp.name}: cannot read the interval "${spec}" (cron tabs are not supported)`, 'ArgumentError');
    exp.data.interval = ms;
    ip.schedule(exp, ip.ctx.now + ms, { action: 'reply', fei: exp.fei, workitem: exp.applied });
  },
  reply(ip, exp) {
    if (exp.tree[2][0]) ip.applyChild(exp, 0, exp.applied, true);
    ip.schedule(exp, ip.ctx.now + (exp.data.interval as number), { action: 'reply', fei: exp.fei, workitem: exp.applied });
  },
};
