// if, equals, given, that/of.
import { childIndexOf, type ExpressionKind, type Interp } from '../interp.js';
import type { ExpressionState, Workitem } from '../types.js';
import { sequenceReply } from './sequence-expressions.js';
import { COMMON_ATT_KEYS } from '../tree-utils.js';


function bareKey(exp: ExpressionState): string | undefined {
  return Object.keys(exp.tree[1]).find((k) => exp.tree[1][k] === null);
}

function applyChildOrReply(ip: Interp, exp: ExpressionState, i: number, wi: Workitem): void {
  if (exp.tree[2][i]) ip.applyChild(exp, i, wi);
  else ip.replyToParent(exp, wi);
}

export const ifExp: ExpressionKind = {
  apply(ip, exp) {
    ifExp.reply!(ip, exp, exp.applied);
  },
  reply(ip, exp, wi) {
    if (wi.fei === exp.fei) {
      let test = exp.tree[1].test ?? exp.tree[1].t ?? bareKey(exp);
      if (test === '' || test === null) test = undefined;
      exp.data.test = test;
      const ok = test === undefined || ip.isTrue(exp, test, wi);
      return applyChildOrReply(ip, exp, ok ? 0 : 1, wi);
    }
    if (exp.data.test !== undefined || childIndexOf(wi.fei!) !== 0) return ip.replyToParent(exp, wi);
    applyChildOrReply(ip, exp, wi.fields.__result__ === true ? 1 : 2, wi);
  },
};

export const equals: ExpressionKind = {
  apply(ip, exp) {
    const vals = Object.keys(exp.tree[1]).filter((k) => !COMMON_ATT_KEYS.includes(k)).map((k) => {
      const v = ip.att(exp, k);
      const key = k.replace(/^other_/, '');
      if (key.startsWith('f')) return exp.applied.fields[String(v)];
      if (key.startsWith('var')) return ip.lookupVar(exp, String(v));
      if (key.startsWith('val')) return v;
      return undefined;
    });
    exp.applied.fields.__result__ = vals.length < 2 ? false : JSON.stringify(vals[0]) === JSON.stringify(vals[vals.length - 1]);
    ip.replyToParent(exp, exp.applied);
  },
};

export const given: ExpressionKind = {
  apply(ip, exp) {
    given.reply!(ip, exp, exp.applied);
  },
  reply(ip, exp, wi) {
    const g = ip.att(exp, 't', wi) ?? ip.attText(exp, wi);
    if (g !== undefined) wi.fields.__given__ = g;
    if (String(wi.fields.__result__) === 'true') {
      delete wi.fields.__given__;
      delete wi.fields.__result__;
      return ip.replyToParent(exp, wi);
    }
    sequenceReply(ip, exp, wi);
  },
};

export const that: ExpressionKind = {
  apply(ip, exp) {
    that.reply!(ip, exp, exp.applied);
  },
  reply(ip, exp, wi) {
    if (wi.fei !== exp.fei) return sequenceReply(ip, exp, wi);
    let cond = String(exp.tree[1].t ?? exp.tree[1].test ?? bareKey(exp) ?? '');
    if (exp.name === 'of') {
      const cmp = /^\s*\/.*\/\s*$/.test(cond) ? '=~' : '==';
      cond = `${wi.fields.__given__ ?? ''} ${cmp} ${cond}`;
    }
    exp.data.result = ip.isTrue(exp, cond, wi);
    if (exp.data.result) ip.applyChild(exp, 0, wi);
    else ip.replyToParent(exp, wi);
  },
  replyToParent(ip, exp, wi) {
    wi.fields.__result__ = exp.data.result;
    ip.baseReplyToParent(exp, wi);
  },
};
