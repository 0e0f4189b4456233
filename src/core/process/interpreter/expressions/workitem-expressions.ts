// apply (run a tree held in an attribute, variable or field), save and restore (copy the
// workitem fields to / from a variable or field).
import { clone, isTree, type ExpressionKind } from '../interp.js';
import { getPath, setPath } from '../scope.js';
import { determineTos } from './iterator-support.js';
import { lookupValPrefix } from './set-expressions.js';

export const apply: ExpressionKind = {
  apply(ip, exp) {
    const tree = lookupValPrefix(ip, exp, 'tree', true) ?? ip.lookupVar(exp, 'tree');
    if (!isTree(tree)) return ip.replyToParent(exp, exp.applied);
    const vars: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(exp.tree[1])) vars[k] = v;
    ip.launchSub(exp, `${exp.expid}_0`, clone(tree), exp.applied, vars);
  },
};

export const save: ExpressionKind = {
  apply(ip, exp) {
    const [toV, toF] = determineTos(ip, exp);
    if (toV) ip.setVar(exp, toV, exp.applied.fields);
    else if (toF) setPath(exp.applied.fields, toF, exp.applied.fields);
    ip.replyToParent(exp, exp.applied);
  },
  reply() {},
};

export const restore: ExpressionKind = {
  apply(ip, exp) {
    const from = ip.hasAtt(exp, 'from_v', 'from_var', 'from_variable') ?? ip.hasAtt(exp, 'from_f', 'from_fld', 'from_field') ?? ip.hasAtt(exp, 'val', 'value');
    if (!from) return ip.replyToParent(exp, exp.applied);
    const afrom = ip.att(exp, from);
    const fields = from.startsWith('from_v') ? ip.lookupVar(exp, String(afrom))
      : from.startsWith('from_f') ? getPath(exp.applied.fields, String(afrom))
      : afrom;
    const [, toF] = determineTos(ip, exp);
    if (toF) setPath(exp.applied.fields, toF, fields);
    else if (fields && typeof fields === 'object' && !Array.isArray(fields)) exp.applied.fields = clone(fields) as Record<string, unknown>;
    ip.replyToParent(exp, exp.applied);
  },
  reply() {},
};
