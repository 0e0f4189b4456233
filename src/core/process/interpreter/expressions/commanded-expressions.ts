// cursor/loop/repeat, iterator and the command expressions (rewind, skip, back, jump, break...)
// that steer them (ruote's commanded.rb, command.rb, fe_cursor, fe_iterator, fe_command).
import { childIndexOf, clone, isFeiRef, type ExpressionKind, type Interp } from '../interp.js';
import type { ExpressionState, Workitem } from '../types.js';
import { determineList, determineTos } from './iterator-support.js';

const COMMANDED = ['cursor', 'loop', 'repeat', 'iterator'];
const ATT_COMMANDS = ['break', 'rewind', 'reset', 'over', 'stop'];

function getCommand(ip: Interp, exp: ExpressionState, wi: Workitem): [string, any] | undefined {
  let command: string | undefined;
  let step: any;
  const c = wi.fields.__command__;
  delete wi.fields.__command__;
  if (Array.isArray(c)) [command, step] = c as [string, unknown];
  else if (typeof c === 'string' && c.trim() !== '') {
    const parts = c.trim().split(/\s+/);
    command = parts[0];
    step = parts.length > 1 ? parts[parts.length - 1] : undefined;
  }
  if (typeof step === 'string' && /^-?\d+$/.test(step)) step = Number(step);
  if (!command) {
    outer: for (const dir of ['if', 'unless']) {
      for (const com of ATT_COMMANDS) {
        const raw = exp.tree[1][`${com}_${dir}`];
        if (raw === undefined || raw === null) continue;
        const t = ip.isTrue(exp, raw, wi);
        if ((dir === 'if' && t) || (dir === 'unless' && !t)) { command = com; break outer; }
      }
    }
  }
  if (!command) return undefined;
  if (command === 'over' || command === 'stop') command = 'break';
  if (step === '') step = 1;
  if (command === 'back') { command = 'skip'; step = step ? -Number(step) : -1; }
  else if (command === 'skip') step = step === undefined || step === null ? 1 : Number(step);
  return [command, step];
}

function isDirectChild(exp: ExpressionState, fei: string | undefined): boolean {
  if (!fei) return false;
  const expid = fei.split('!')[0];
  return expid.slice(0, expid.lastIndexOf('_')) === exp.expid && expid.includes('_');
}

function commandedReply(moveOn: (ip: Interp, exp: ExpressionState, wi: Workitem) => void) {
  return (ip: Interp, exp: ExpressionState, incoming: Workitem): void => {
    const wi = (exp.data.commandWorkitem as Workitem | undefined) ?? incoming;
    exp.data.commandWorkitem = undefined;
    if (isDirectChild(exp, wi.fei)) return moveOn(ip, exp, wi);
    // A command from deeper down: cancel the current child, then move on with the command.
    exp.data.commandWorkitem = { ...wi, fei: exp.children[0] };
    if (exp.children[0]) ip.enqueue({ action: 'cancel', fei: exp.children[0] });
    else moveOn(ip, exp, exp.data.commandWorkitem);
  };
}

function jumpTo(ip: Interp, exp: ExpressionState, wi: Workitem, position: number, arg: unknown): number {
  if (/^-?\d+$/.test(String(arg))) return Number(arg);
  const i = exp.tree[2].findIndex((c) => {
    const bare = Object.keys(c[1]).find((k) => c[1][k] === null);
    return [c[0], c[1].ref, c[1].tag, bare].some((v) => v != null && ip.text(exp, String(v), wi) === String(arg));
  });
  return i >= 0 ? i : position;
}

function cursorMoveOn(ip: Interp, exp: ExpressionState, wi: Workitem): void {
  let position = wi.fei === exp.fei ? -1 : childIndexOf(wi.fei!);
  position += 1;
  const cmd = getCommand(ip, exp, wi);
  const [com, arg] = cmd ?? [];
  if (com === 'break') return ip.replyToParent(exp, wi);
  if (com === 'rewind' || com === 'continue' || com === 'reset') position = 0;
  else if (com === 'skip') position += Number(arg);
  else if (com === 'jump') position = jumpTo(ip, exp, wi, position, arg);
  const n = exp.tree[2].length;
  if (position < 0) position = 0;
  if (position >= n && (exp.name === 'loop' || exp.name === 'repeat')) position = 0;
  if (position < n) ip.applyChild(exp, position, com === 'reset' ? clone(exp.applied) : wi);
  else ip.replyToParent(exp, wi);
}

export const cursor: ExpressionKind = {
  apply(ip, exp) {
    cursorMoveOn(ip, exp, exp.applied);
  },
  reply: commandedReply(cursorMoveOn),
};

function iteratorMoveOn(ip: Interp, exp: ExpressionState, wi: Workitem): void {
  const d = exp.data;
  const current = d.position as number;
  if (d.position === -1) d.position = 0;
  const childId = wi.fei === exp.fei ? 0 : childIndexOf(wi.fei!) + 1;
  const [com, arg] = getCommand(ip, exp, wi) ?? [];
  const list = d.list as unknown[];
  if (com === 'break') return ip.replyToParent(exp, wi);
  if (com === 'rewind' || com === 'continue') d.position = 0;
  else if (com === 'skip') d.position += Number(arg) + 1;
  else if (com === 'jump') d.position = Number(arg);
  else if (childId >= exp.tree[2].length) d.position += 1;
  if (d.position < 0) d.position = list.length + d.position;
  if (d.position === current && com === undefined) return ip.applyChild(exp, childId, wi);
  const val = list[d.position];
  if (val === undefined || val === null) return ip.replyToParent(exp, wi);
  ip.setVar(exp, 'ii', d.position);
  if (d.toV) ip.setVar(exp, d.toV, val);
  else wi.fields[d.toF] = val;
  ip.applyChild(exp, 0, wi);
}

export const iterator: ExpressionKind = {
  apply(ip, exp) {
    if (exp.tree[2].length === 0) return ip.replyToParent(exp, exp.applied);
    exp.data.list = determineList(ip, exp);
    const [toV, toF] = determineTos(ip, exp);
    exp.data.toV = toV ?? (toF ? undefined : 'i');
    exp.data.toF = toF;
    exp.data.position = -1;
    iteratorMoveOn(ip, exp, exp.applied);
  },
  reply: commandedReply(iteratorMoveOn),
};

function commandTarget(ip: Interp, exp: ExpressionState): ExpressionState | undefined {
  for (let p = ip.lookup(exp.parent); p; p = ip.lookup(p.parent)) if (COMMANDED.includes(p.name)) return p;
  return undefined;
}

export const command: ExpressionKind = {
  apply(ip, exp) {
    let param: unknown;
    if (exp.name === 'skip' || exp.name === 'back') param = ip.att(exp, 'step') ?? ip.attText(exp);
    else if (exp.name === 'jump') param = ip.att(exp, 'to') ?? ip.attText(exp);
    if (/^-?\d+$/.test(String(param))) param = Number(param);
    const cmdWi = clone(exp.applied);
    cmdWi.fields.__command__ = [exp.name, param ?? null];
    let target: ExpressionState | undefined;
    let ancestor = true;
    const ref = ip.att(exp, 'ref');
    if (ref !== undefined) {
      const v = ip.lookupVar(exp, String(ref));
      target = isFeiRef(v) ? ip.lookup(v.fei) : undefined;
      if (target && !COMMANDED.includes(target.name)) target = undefined;
      ancestor = false;
      for (let p = ip.lookup(exp.parent); p && target; p = ip.lookup(p.parent)) if (p.fei === target.fei) ancestor = true;
    } else {
      target = commandTarget(ip, exp);
    }
    if (!target) return ip.replyToParent(exp, exp.applied);
    if (target.fei === exp.parent) return ip.replyToParent(exp, cmdWi);
    ip.enqueue({ action: 'reply', fei: target.fei, workitem: { ...cmdWi, fei: exp.fei } });
    if (!ancestor) ip.replyToParent(exp, exp.applied);
  },
};
