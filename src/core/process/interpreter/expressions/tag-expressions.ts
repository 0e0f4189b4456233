// undo/cancel/kill and redo (by tag), forget and lose (as expressions).
import { isFeiRef, clone, type ExpressionKind, type Interp } from '../interp.js';
import type { ExpressionState } from '../types.js';

function tagTarget(ip: Interp, exp: ExpressionState): string | undefined {
  const ref = ip.att(exp, 'ref') ?? ip.attText(exp);
  const name = ref === undefined ? '' : String(ref).trim();
  const v = name === '' ? undefined : ip.lookupVar(exp, name);
  return isFeiRef(v) ? v.fei : undefined;
}

function isAncestor(ip: Interp, exp: ExpressionState, fei: string): boolean {
  for (let p = ip.lookup(exp.parent); p; p = ip.lookup(p.parent)) if (p.fei === fei) return true;
  return false;
}

export const undo: ExpressionKind = {
  apply(ip, exp) {
    const target = tagTarget(ip, exp);
    if (target) ip.enqueue({ action: 'cancel', fei: target, flavour: exp.name === 'kill' ? 'kill' : undefined });
    ip.replyToParent(exp, exp.applied);
  },
  reply() {},
};

export const redo: ExpressionKind = {
  apply(ip, exp) {
    const target = tagTarget(ip, exp);
    if (target) {
      ip.enqueue({ action: 'cancel', fei: target, reApply: { applied: true } });
      if (!isAncestor(ip, exp, target)) ip.replyToParent(exp, exp.applied);
    } else {
      ip.replyToParent(exp, exp.applied);
    }
  },
  reply() {},
};

export const forget: ExpressionKind = {
  apply(ip, exp) {
    exp.tree[2].forEach((_, i) => ip.applyChild(exp, i, clone(exp.applied), true));
    ip.replyToParent(exp, exp.applied);
  },
  reply() {},
};

// Applies its children and never replies: only a cancel ends it (useful under a concurrence).
export const lose: ExpressionKind = {
  apply(ip, exp) {
    exp.tree[2].forEach((_, i) => ip.applyChild(exp, i, clone(exp.applied)));
  },
  reply() {},
};
