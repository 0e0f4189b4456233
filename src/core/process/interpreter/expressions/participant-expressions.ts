// participant (dispatch to an HTTP callback participant) and subprocess.
import { ExpressionError, subprocessOf, clone, type ExpressionKind } from '../interp.js';
import { makeWorkitemId } from '../../process-ids.js';
import { setPath } from '../scope.js';

export const participant: ExpressionKind = {
  apply(ip, exp) {
    const name = String(ip.att(exp, 'ref') ?? ip.attText(exp) ?? '');
    if (name === '') throw new ExpressionError('no participant name specified', 'ArgumentError');
    exp.participant = name;
    const fields = exp.applied.fields;
    fields.params = ip.compileAtts(exp);
    delete fields.t;
    delete fields.__result__;
    if (exp.tree[2].length > 0) (fields.params as Record<string, unknown>).__children__ = ip.dsub(exp, exp.tree[2]);
    const url = ip.state.callbacks?.[name] ?? ip.state.callback;
    // Ruote's words first (on_error patterns are written against them), then weft's reason.
    if (!url) throw new ExpressionError(`unknown participant or subprocess '${name}': no callback URL for participant "${name}"`, 'RuntimeError');
    const workitemId = makeWorkitemId(exp.expid, exp.subid, ip.state.wfid);
    exp.workitemId = workitemId;
    exp.dispatchedAt = ip.ctx.now;
    ip.state.workitems[workitemId] = exp.fei;
    ip.effects.push({ type: 'dispatch', workitemId, participant: name, url, status: 'active', fields: clone(fields) });
    ip.emitEvent('dispatch', [name], exp.applied);
  },
  cancel(ip, exp, flavour) {
    const wid = exp.workitemId;
    if (wid && ip.state.workitems[wid] === exp.fei && flavour !== 'kill') {
      const url = ip.state.callbacks?.[exp.participant!] ?? ip.state.callback;
      if (url) {
        // Stopped work is `timeout` when the participant timed out, `error` when its workitem carries
        // an error (an on_error handler being cancelled), `cancel` otherwise: what the seed's API sends.
        const fields = exp.applied.fields;
        const status = flavour === 'timeout' || '__timed_out__' in fields ? 'timeout' : '__error__' in fields ? 'error' : 'cancel';
        ip.effects.push({ type: 'dispatch', workitemId: wid, participant: exp.participant!, url, status, fields: clone(fields) });
      }
    }
    if (wid) delete ip.state.workitems[wid];
    ip.replyToParent(exp, exp.applied);
  },
  replyToParent(ip, exp, wi) {
    delete wi.fields.params;
    delete wi.fields.dispatched_at;
    if (exp.workitemId) delete ip.state.workitems[exp.workitemId];
    if (exp.state === undefined && exp.participant) ip.emitEvent('receive', [exp.participant], wi);
    ip.baseReplyToParent(exp, wi);
  },
};

export const subprocess: ExpressionKind = {
  apply(ip, exp) {
    const ref = ip.att(exp, 'ref') ?? ip.attText(exp);
    if (ref === undefined || ref === '') throw new ExpressionError(`no subprocess referred in ${JSON.stringify(exp.tree)}`, 'ArgumentError');
    const sub = subprocessOf(ip.lookupVar(exp, String(ref)));
    if (!sub) throw new ExpressionError(`no subprocess named '${ref}' found`, 'ArgumentError');
    const [pos, tree] = sub;
    const vars: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(ip.compileAtts(exp))) {
      if (k === 'ref' || v === null) continue;
      if (/^f(ield)?:./.test(k)) setPath(exp.applied.fields, k.slice(k.indexOf(':') + 1), v);
      else vars[k.includes(':') ? k.slice(k.indexOf(':') + 1) : k] = v;
    }
    if (exp.tree[2][0]) vars.tree = exp.tree[2][0];
    ip.launchSub(exp, pos, clone(tree), exp.applied, vars);
  },
};
