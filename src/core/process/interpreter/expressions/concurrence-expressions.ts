// concurrence and concurrent_iterator (ruote's fe_concurrence / fe_concurrent_iterator).
import { childIndexOf, clone, type ExpressionKind, type Interp } from '../interp.js';
import type { ExpressionState, Workitem } from '../types.js';
import { mergeWorkitem, type MergeItem } from './merge.js';
import { determineList, determineTos, MAX_BRANCHES } from './iterator-support.js';
import { ExpressionError } from '../expression-error.js';

const COUNT_R = /^-?\d+$/;

function pick(ip: Interp, exp: ExpressionState, keys: string[], values: string[]): string {
  const v = keys.map((k) => ip.att(exp, k)).find((x) => x !== undefined);
  return values.includes(String(v)) ? String(v) : values[0];
}

interface CData {
  ccount?: number; waitFor?: string[]; merge: string; mergeType: string; remaining: string;
  workitems?: MergeItem[]; workitem?: MergeItem; count: number; over: boolean; listSize: number;
  childrenCancelled?: boolean;
}

function setup(ip: Interp, exp: ExpressionState): CData {
  const count = String(ip.att(exp, 'count') ?? ip.att(exp, 'c') ?? '');
  const wf = COUNT_R.test(count) ? count : ip.att(exp, 'wait_for') ?? ip.att(exp, 'wf');
  const d: CData = {
    merge: pick(ip, exp, ['merge', 'm'], ['first', 'last', 'highest', 'lowest']),
    mergeType: pick(ip, exp, ['merge_type', 'mt'], ['override', 'mix', 'isolate', 'stack', 'union', 'ignore', 'concat', 'deep']),
    remaining: pick(ip, exp, ['remaining', 'rem', 'r'], ['cancel', 'forget', 'wait']),
    count: 0, over: false, listSize: exp.tree[2].length,
  };
  if (COUNT_R.test(String(wf ?? ''))) d.ccount = Number(wf);
  else if (wf !== undefined) d.waitFor = (Array.isArray(wf) ? wf.map(String) : String(wf).split(',')).map((s) => s.trim());
  if (d.merge === 'highest' || d.merge === 'lowest') d.workitems = [];
  exp.data = d as unknown as Record<string, unknown>;
  return d;
}

function branchIndex(ip: Interp, exp: ExpressionState, fei: string): number {
  if (exp.name === 'concurrent_iterator' || exp.name === 'citerator') return exp.data.branches?.[fei] ?? ip.lookup(fei)?.branch ?? 0;
  return childIndexOf(fei);
}

function expectedCount(d: CData): number {
  if (d.ccount === undefined) return d.listSize;
  if (d.ccount >= 0) return Math.min(d.ccount, d.listSize);
  const i = d.listSize + d.ccount;
  return i < 1 ? 1 : i;
}

function isOver(ip: Interp, exp: ExpressionState, d: CData, item: MergeItem, wi: Workitem): boolean {
  const overIf = exp.tree[1].over_if;
  const overUnless = exp.tree[1].over_unless;
  if (overIf != null && ip.isTrue(exp, overIf, wi)) { item.winner = true; return true; }
  if (overUnless != null && !ip.isTrue(exp, overUnless, wi)) { item.winner = true; return true; }
  if (d.waitFor) return d.waitFor.length === 0;
  return workitemCount(d) + 1 >= expectedCount(d);
}

function keep(d: CData, item: MergeItem): void {
  if (d.workitems) { d.workitems.push(item); return; }
  d.count += 1;
  if (d.mergeType === 'ignore') return;
  let target = d.workitem;
  let source: MergeItem | undefined = item;
  if (d.merge === 'first' && !['stack', 'union', 'concat', 'deep', 'isolate'].includes(d.mergeType)) [target, source] = [source, target];
  if (target?.winner) { target.winner = undefined; [target, source] = [source, target]; }
  if (!source) [target, source] = [source, target];
  d.workitem = mergeWorkitem(item.index, target, source!, d.mergeType);
}

function workitemCount(d: CData): number {
  return d.workitems ? d.workitems.length : d.count;
}

function finalMerge(ip: Interp, exp: ExpressionState, d: CData): Workitem {
  let fields;
  if (d.workitem) fields = d.workitem.fields;
  else if (d.mergeType === 'ignore' || !d.workitems || d.workitems.length === 0) fields = exp.applied.fields;
  else {
    let wis = [...d.workitems];
    if (d.merge === 'highest' || d.merge === 'lowest') wis.sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
    if ((d.merge === 'first' || d.merge === 'highest') && !['stack', 'union', 'concat', 'deep'].includes(d.mergeType)) wis.reverse();
    wis = [...wis.filter((w) => !w.winner), ...wis.filter((w) => w.winner)];
    let acc: MergeItem | undefined;
    for (const w of wis) acc = mergeWorkitem(w.index, acc, w, d.mergeType);
    fields = acc!.fields;
  }
  delete fields.__left_tag__;
  if (d.mergeType === 'stack') fields.stack_attributes = ip.compileAtts(exp);
  return { fields };
}

export const concurrence: ExpressionKind = {
  apply(ip, exp) {
    if (exp.tree[2].length === 0) return ip.baseReplyToParent(exp, exp.applied);
    const d = setup(ip, exp);
    exp.tree[2].forEach((_, i) => ip.applyChild(exp, i, clone(exp.applied)));
    if (d.ccount === 0) ip.enqueue({ action: 'reply', fei: exp.fei, workitem: exp.applied });
  },
  reply(ip, exp, wi) {
    const d = exp.data as unknown as CData;
    const item: MergeItem = { fields: clone(wi.fields), index: wi.fei === exp.fei ? undefined : branchIndex(ip, exp, wi.fei!) };
    const left = wi.fields.__left_tag__;
    if (d.waitFor && typeof left === 'string') d.waitFor = d.waitFor.filter((t) => t !== left);
    const wasOver = d.over;
    d.over = wasOver || isOver(ip, exp, d, item, wi);
    if (wi.fei !== exp.fei) keep(d, item);
    if (!wasOver && d.over) ip.replyToParent(exp, wi);
    else if (d.over && d.remaining === 'wait') ip.replyToParent(exp, wi);
    else if (exp.children.length === 0) ip.removeExpression(exp);
  },
  replyToParent(ip, exp, _wi) {
    const d = exp.data as unknown as CData;
    if (!d.merge) return ip.baseReplyToParent(exp, exp.applied);
    if (d.remaining === 'wait' && exp.state === undefined) {
      if (workitemCount(d) >= d.listSize || exp.children.length === 0) {
        ip.removeExpression(exp);
        ip.baseReplyToParent(exp, finalMerge(ip, exp, d), false);
      } else if (!d.childrenCancelled) {
        d.childrenCancelled = true;
        for (const c of exp.children) ip.enqueue({ action: 'cancel', fei: c });
      }
      return;
    }
    const wi = finalMerge(ip, exp, d);
    if (exp.children.length === 0) {
      ip.removeExpression(exp);
      ip.baseReplyToParent(exp, wi, false);
    } else if (d.remaining === 'cancel' || exp.state !== undefined) {
      const children = [...exp.children];
      ip.removeExpression(exp);
      ip.baseReplyToParent(exp, wi, false);
      for (const c of children) ip.enqueue({ action: 'cancel', fei: c });
    } else {
      exp.variables = ip.compileVars(exp);
      const parent = exp.parent;
      ip.baseReplyToParent(exp, wi, false);
      exp.parent = undefined;
      exp.forgotten = true;
      void parent;
    }
  },
};

export const concurrentIterator: ExpressionKind = {
  apply(ip, exp) {
    if (exp.tree[2].length === 0) return ip.baseReplyToParent(exp, exp.applied);
    const d = setup(ip, exp);
    const list = determineList(ip, exp);
    if (list.length === 0) return ip.baseReplyToParent(exp, exp.applied);
    if (list.length > MAX_BRANCHES) throw new ExpressionError(`a concurrent_iterator runs at most ${MAX_BRANCHES} branches (${list.length} asked)`, 'ArgumentError');
    let [toV, toF] = determineTos(ip, exp);
    if (!toV && !toF) toV = 'i';
    d.listSize = list.length;
    const [expid, subtree] = exp.tree[2].length > 1
      ? [exp.expid, ['sequence', {}, exp.tree[2]]] as const
      : [`${exp.expid}_0`, exp.tree[2][0]] as const;
    list.forEach((val, i) => {
      const wi = clone(exp.applied);
      const vars: Record<string, unknown> = { ii: i };
      if (toV) vars[toV] = val;
      else wi.fields[toF!] = val;
      const fei = ip.launchSub(exp, expid, clone(subtree) as never, wi, vars, i);
      (exp.data.branches ??= {})[fei] = i;
    });
    // count: 0 (or wait_for: 0) is over at once, as for a concurrence.
    if (d.ccount === 0) ip.enqueue({ action: 'reply', fei: exp.fei, workitem: exp.applied });
  },
  reply: concurrence.reply,
  replyToParent: concurrence.replyToParent,
};
