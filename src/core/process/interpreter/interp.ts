// The message loop: ruote's apply / reply / cancel / fail between expressions, run from a queue
// until quiescent inside one step. Mutates the (already copied) state it is given.
import { evaluateCondition, renderValue, substitute, substituteValue } from '../../expr/index.js';
import { childExpid, makeSubid } from '../process-ids.js';
import { considerTag, considerTimers, leaveTag, takeOrDiscard } from './attribute-effects.js';
import { eventOf } from './await-events.js';
import { trigger } from './triggers.js';
import { ExpressionError } from './expression-error.js';
import { clone, isSubprocessValue, isTree, localOnError, nameMatches, reorganize } from './tree-utils.js';
import {
  compileVariables, getPath, lookupVariable, setVariable, unsetVariable,
} from './scope.js';
import type {
  ExpressionState, Fields, InternalMessage, ProcessEffect, ProcessState, StepContext, TrackedEvent, Tree, Workitem,
} from './types.js';

export interface ExpressionKind {
  apply(ip: Interp, exp: ExpressionState): void;
  /** A child (or the expression itself, `wi.fei === exp.fei`) replied. Default: reply to parent. */
  reply?(ip: Interp, exp: ExpressionState, wi: Workitem): void;
  cancel?(ip: Interp, exp: ExpressionState, flavour: string | undefined): void;
  replyToParent?(ip: Interp, exp: ExpressionState, wi: Workitem): void;
}

export { ExpressionError } from './expression-error.js';

// Default 100k: a step that runs this many messages is looping (e.g. a loop without a participant).
const MAX_MESSAGES = 100_000;


export { isFeiRef, childIndexOf, clone, isTree, isSubprocessValue, subprocessOf, reorganize } from './tree-utils.js';

export class Interp {
  readonly effects: ProcessEffect[] = [];
  private readonly queue: InternalMessage[] = [];
  readonly lookup = (fei: string | undefined): ExpressionState | undefined =>
    fei === undefined ? undefined : this.state.expressions[fei];

  constructor(readonly state: ProcessState, readonly ctx: StepContext, readonly kinds: Record<string, ExpressionKind>) {}

  // ---- ids, queue ------------------------------------------------------------------------

  newSubid(): string {
    return makeSubid(this.ctx.random);
  }

  nextSeq(): number {
    return ++this.state.seq;
  }

  enqueue(msg: InternalMessage): void {
    // PERF: an apply's tree is not copied here: doApply copies it into the expression it creates, and
    // a queued message is only ever read (or copied whole: trackers, timers, errors).
    if (msg.action === 'apply') this.queue.push({ ...clone({ ...msg, tree: undefined }), tree: msg.tree } as InternalMessage);
    else this.queue.push(clone(msg));
  }

  run(): void {
    let n = 0;
    while (this.queue.length > 0) {
      const msg = this.queue.shift()!;
      if (++n > MAX_MESSAGES) return this.overflow(msg);
      try {
        this.dispatchMessage(msg);
      } catch (e) {
        if (msg.action === 'cancel_process') throw e;
        this.handleError(msg.fei, e, msg);
      }
    }
  }

  /**
   * A step that never settles (a loop without participants or waits, an always failing
   * 'retry'): the rest of the step is dropped and recorded as an error, as a replay point.
   */
  private overflow(msg: InternalMessage): void {
    this.queue.length = 0;
    const candidates = [
      'fei' in msg ? msg.fei : undefined,
      msg.action === 'apply' ? msg.parent : undefined,
      this.state.root,
    ];
    const fei = candidates.find((f) => f !== undefined && this.state.expressions[f]) ?? msg.action;
    const message = `more than ${MAX_MESSAGES} messages in one step (an endless loop?)`;
    this.recordError(fei, this.state.expressions[fei]?.expid ?? '0', message, msg);
  }

  private dispatchMessage(msg: InternalMessage): void {
    switch (msg.action) {
      case 'apply': return this.doApply(msg);
      case 'reply': return this.doReply(msg);
      case 'cancel': return this.doCancel(msg);
      case 'fail': return this.doFail(msg);
      case 'error': throw new ExpressionError(msg.message, 'WeftDeliveryError');
      case 'cancel_process': {
        if (!this.state.ending) this.state.ending = 'terminate';
        if (this.state.root) this.enqueue({ action: 'cancel', fei: this.state.root, flavour: msg.flavour });
      }
    }
  }

  // ---- attributes and dollar notation ---------------------------------------------------

  resolver(exp: ExpressionState, wi: Workitem = exp.applied) {
    return (raw: string): unknown => {
      const ref = raw.trim();
      if (ref === 'wfid') return this.state.wfid;
      if (ref === 'expid') return exp.expid;
      if (ref === 'subid') return exp.subid;
      if (ref === 'fei') return `${exp.expid}!${exp.subid}!${this.state.wfid}`;
      const tags = Array.isArray(wi.fields.__tags__) ? (wi.fields.__tags__ as string[]) : [];
      if (ref === 'tags') return tags;
      if (ref === 'tag') return tags[tags.length - 1];
      if (ref === 'full_tag') return tags.join('/');
      const m = /^([a-z]+):(.*)$/.exec(ref);
      if (m && ['f', 'fld', 'field'].includes(m[1])) return getPath(wi.fields, m[2]);
      if (m && ['v', 'var', 'variable'].includes(m[1])) return lookupVariable(exp, m[2], this.lookup);
      // Ruby code: Ruote refuses it unless its engine allows ruby_eval; weft runs no Ruby.
      if (m && ['r', 'ruby'].includes(m[1])) throw new ExpressionError(`'ruby_eval_allowed' is set to false, cannot evaluate >${m[2]}< (weft runs no Ruby)`, 'ArgumentError');
      return getPath(wi.fields, ref);
    };
  }

  dsub(exp: ExpressionState, v: unknown, wi: Workitem = exp.applied): unknown {
    if (typeof v === 'string') return substituteValue(v, this.resolver(exp, wi));
    if (Array.isArray(v)) return v.map((e) => this.dsub(exp, e, wi));
    if (v && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, e] of Object.entries(v)) out[k] = this.dsub(exp, e, wi);
      return out;
    }
    return v;
  }

  text(exp: ExpressionState, s: string, wi: Workitem = exp.applied): string {
    return substitute(s, this.resolver(exp, wi));
  }

  /** The attribute's value after dollar substitution; undefined when absent or null. */
  att(exp: ExpressionState, key: string, wi: Workitem = exp.applied): any {
    const raw = exp.tree[1][key];
    return raw === undefined || raw === null ? undefined : this.dsub(exp, raw, wi);
  }

  /** The first of `keys` present with a non-null value. */
  hasAtt(exp: ExpressionState, ...keys: string[]): string | undefined {
    return keys.find((k) => exp.tree[1][k] !== undefined && exp.tree[1][k] !== null);
  }

  /** The text of the first bare attribute (`["wait", {"2s": null}]` → "2s"). */
  attText(exp: ExpressionState, wi: Workitem = exp.applied): string | undefined {
    const key = Object.keys(exp.tree[1]).find((k) => exp.tree[1][k] === null);
    return key === undefined ? undefined : renderValue(substituteValue(key, this.resolver(exp, wi)));
  }

  compileAtts(exp: ExpressionState, wi: Workitem = exp.applied): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(exp.tree[1])) {
      out[this.text(exp, k, wi)] = v === null ? null : this.dsub(exp, v, wi);
    }
    return out;
  }

  /** Ruote's Condition.true? on raw (unsubstituted) condition text. */
  isTrue(exp: ExpressionState, raw: unknown, wi: Workitem = exp.applied): boolean {
    if (typeof raw === 'boolean') return raw;
    if (raw === null || raw === undefined) return false;
    return evaluateCondition(String(raw), this.resolver(exp, wi));
  }

  lookupVar(exp: ExpressionState, name: string): unknown {
    return lookupVariable(exp, name, this.lookup);
  }

  setVar(exp: ExpressionState, name: string, value: unknown, override?: unknown): void {
    setVariable(exp, name, value, this.lookup, override);
  }

  unsetVar(exp: ExpressionState, name: string, override?: unknown): void {
    unsetVariable(exp, name, this.lookup, override);
  }

  compileVars(exp: ExpressionState): Record<string, unknown> {
    return compileVariables(exp, this.lookup);
  }

  // ---- apply ------------------------------------------------------------------------------

  private doApply(msg: Extract<InternalMessage, { action: 'apply' }>): void {
    const [expid, subid] = msg.fei.split('!');
    const previous = this.state.expressions[msg.fei];
    if (previous) {
      this.unscheduleAll(previous);
      this.removeExpression(previous);
    }
    const exp: ExpressionState = {
      fei: msg.fei, expid, subid, parent: msg.parent, name: '', tree: clone(msg.tree),
      applied: { fields: msg.workitem.fields, fei: msg.fei }, children: [], data: {},
    };
    if (msg.variables) exp.variables = msg.variables;
    if (msg.forgotten) exp.forgotten = true;
    if (msg.flanking) exp.flanking = true;
    if (msg.trigger) exp.trigger = msg.trigger;
    if (msg.supplanted) exp.supplanted = msg.supplanted;
    if (msg.branch !== undefined) exp.branch = msg.branch;
    this.state.expressions[exp.fei] = exp;
    this.resolveName(exp, msg.launch === true);

    for (const on of ['on_error', 'on_cancel', 'on_timeout'] as const) {
      const raw = exp.tree[1][on];
      if (raw === undefined || raw === null) continue;
      const v = typeof raw === 'string' ? this.text(exp, raw) : raw;
      if (on === 'on_error') exp.onError = v;
      else if (on === 'on_cancel') exp.onCancel = v;
      else exp.onTimeout = v;
    }

    if (!msg.awaited && exp.name !== 'await' && exp.tree[1].await != null) {
      // The await attribute: the expression is applied once the event happens (ruote 2.3.0).
      const ev = eventOf(this, exp, true);
      if (!ev) throw new ExpressionError(`await does not understand ${JSON.stringify(exp.tree[1].await)}`, 'ArgumentError');
      (this.state.trackers ??= []).push({ fei: exp.fei, event: ev[0], condition: ev[1], resume: { ...clone(msg), awaited: true } });
      return;
    }

    const cIf = exp.tree[1]['if'];
    const cUnless = exp.tree[1]['unless'];
    if ((cIf != null && !this.isTrue(exp, cIf)) || (cUnless != null && this.isTrue(exp, cUnless))) {
      return this.baseReplyToParent(exp, exp.applied);
    }

    if (String(this.att(exp, 'scope')) === 'true') exp.variables ??= {};
    if (String(this.att(exp, 'forget')) === 'true') {
      // Replies to its parent at once and lives on without one, in a copy of its scope.
      exp.variables = this.compileVars(exp);
      if (exp.parent) this.enqueue({ action: 'reply', fei: exp.parent, workitem: { ...clone(exp.applied), fei: exp.fei } });
      exp.parent = undefined;
      exp.forgotten = true;
    } else if (String(this.att(exp, 'lose')) === 'true') {
      exp.lost = true;
    } else if (msg.flanking || String(this.att(exp, 'flank')) === 'true') {
      exp.flanking = true;
      if (exp.parent) this.enqueue({ action: 'reply', fei: exp.parent, workitem: { ...clone(exp.applied), fei: exp.fei }, flanking: true });
    }

    considerTag(this, exp);
    considerTimers(this, exp);
    this.kindOf(exp).apply(this, exp);
  }

  kindOf(exp: ExpressionState): ExpressionKind {
    const k = this.kinds[exp.name];
    if (!k) throw new ExpressionError(`unknown expression '${exp.name}'`, 'ArgumentError');
    return k;
  }

  private resolveName(exp: ExpressionState, launch: boolean): void {
    let name = this.text(exp, exp.tree[0]);
    if (launch && (name === 'define' || name === 'process_definition' || name === 'workflow_definition')) {
      const [defName, tree] = reorganize(exp.tree);
      exp.tree = tree;
      exp.variables ??= {};
      if (defName) exp.variables[defName] = [exp.expid, tree];
      exp.name = 'sequence';
      return;
    }
    if (name === 'ref') name = String(this.att(exp, 'ref') ?? this.attText(exp) ?? '');
    else if (this.kinds[name]) { exp.name = name; return; }
    // As Ruote's ref: a variable holding a name stands for what that name is (followed while the
    // values are names): a subprocess, an expression (an alias, `set v:output, val: echo`) or a
    // participant, which then gets the name written as `original_ref`.
    let ref = name;
    let value = this.lookupVar(exp, ref);
    for (const seen = new Set([ref]); typeof value === 'string' && !seen.has(value); ) {
      ref = value;
      seen.add(ref);
      value = this.lookupVar(exp, ref);
    }
    const attributes = ref === name ? { ...exp.tree[1], ref } : { ...exp.tree[1], ref, original_ref: name };
    if (!isSubprocessValue(value) && ref !== name && this.kinds[ref]) {
      exp.name = ref;
      exp.tree = [ref, exp.tree[1], exp.tree[2]];
      return;
    }
    exp.name = isSubprocessValue(value) ? 'subprocess' : 'participant';
    exp.tree = [exp.name, attributes, exp.tree[2]];
  }

  applyChild(exp: ExpressionState, index: number, wi: Workitem, forget = false): void {
    const child = exp.tree[2][index];
    const fei = `${childExpid(exp.expid, index)}!${this.newSubid()}`;
    if (!forget) exp.children.push(fei);
    this.enqueue({
      action: 'apply', fei, parent: forget ? undefined : exp.fei, tree: child,
      workitem: { fields: clone(wi.fields) },
      variables: forget ? this.compileVars(exp) : undefined, forgotten: forget || undefined,
    });
  }

  /** Launches a subprocess tree (a define) as a child of exp with its own variable scope. */
  launchSub(exp: ExpressionState, expid: string, tree: Tree, wi: Workitem, variables: Record<string, unknown>, branch?: number): string {
    const fei = `${expid}!${this.newSubid()}`;
    exp.children.push(fei);
    this.enqueue({
      action: 'apply', fei, parent: exp.fei, tree, workitem: { fields: clone(wi.fields) },
      variables, launch: true, branch,
    });
    return fei;
  }

  // ---- reply ------------------------------------------------------------------------------

  private doReply(msg: Extract<InternalMessage, { action: 'reply' }>): void {
    const exp = this.lookup(msg.fei);
    if (!exp) return;
    const wi = msg.workitem;
    const idx = wi.fei ? exp.children.indexOf(wi.fei) : -1;
    if (idx >= 0) exp.children.splice(idx, 1);
    if (msg.flanking && wi.fei !== exp.fei) {
      (exp.flanks ??= []).push(wi.fei!);
      if (idx < 0) return;
    }
    if (exp.state !== undefined) {
      if (exp.children.length === 0) this.replyToParent(exp, wi);
      return;
    }
    const kind = this.kindOf(exp);
    if (kind.reply) kind.reply(this, exp, wi);
    else this.replyToParent(exp, wi);
  }

  replyToParent(exp: ExpressionState, wi: Workitem): void {
    const kind = this.kinds[exp.name];
    if (kind?.replyToParent) kind.replyToParent(this, exp, wi);
    else this.baseReplyToParent(exp, wi);
  }

  baseReplyToParent(exp: ExpressionState, wi: Workitem, remove = true): void {
    this.unscheduleAll(exp);
    this.cancelFlanks(exp, exp.state === 'dying' ? 'kill' : undefined);
    if (exp.state === 'failing') return trigger(this, exp, 'on_error', wi);
    if (exp.state === 'cancelling' && exp.onCancel != null) return trigger(this, exp, 'on_cancel', wi);
    if (exp.state === 'cancelling' && exp.onReApply) return trigger(this, exp, 'on_re_apply', wi);
    if (exp.state === 'timing_out' && exp.onTimeout != null) return trigger(this, exp, 'on_timeout', wi);
    if (exp.flanking && exp.state === undefined) { this.removeExpression(exp); return; }
    if (exp.lost && exp.state === undefined) return;
    // The "second take": a handler that set `__on_error__` (or `__on_cancel__`, `__on_timeout__`)
    // hands the expression it replaced to that handler (redo, raise, pass, undo…), as Ruote.
    const take = exp.trigger && exp.supplanted && exp.state === undefined ? wi.fields[`__${exp.trigger}__`] : undefined;
    if (take !== undefined && take !== null && take !== false) {
      const { tree, applied } = exp.supplanted!;
      exp.tree = tree;
      exp.applied = applied;
      exp.supplanted = undefined;
      return trigger(this, exp, exp.trigger!, applied, take);
    }
    if (exp.state === undefined) takeOrDiscard(this, exp, wi);
    if (exp.tagname) leaveTag(this, exp, wi);
    if (remove) this.removeExpression(exp);
    if (exp.parent) {
      this.enqueue({ action: 'reply', fei: exp.parent, workitem: { fields: wi.fields, fei: exp.fei } });
    } else if (!exp.forgotten && exp.fei === this.state.root) {
      this.terminate(wi.fields);
    }
  }

  private terminate(fields: Fields): void {
    const ending = this.state.ending;
    this.state.status = ending ? 'cancelled' : 'completed';
    this.state.fields = fields;
    this.state.endedAt = this.ctx.now;
    this.effects.push({ type: 'ended', status: this.state.status });
  }

  removeExpression(exp: ExpressionState): void {
    if (this.state.expressions[exp.fei] === exp) delete this.state.expressions[exp.fei];
    if (exp.workitemId && this.state.workitems[exp.workitemId] === exp.fei) delete this.state.workitems[exp.workitemId];
    if (exp.fei === this.state.root && exp.variables) this.state.variables = exp.variables;
  }

  // ---- cancel / fail --------------------------------------------------------------------

  private doCancel(msg: Extract<InternalMessage, { action: 'cancel' }>): void {
    const exp = this.lookup(msg.fei);
    if (!exp) return;
    const flavour = msg.flavour;
    if (exp.state === 'cancelling' && flavour !== 'kill') return;
    if (exp.state === 'failed' && flavour === 'timeout') return;
    exp.state = flavour === 'kill' ? 'dying' : flavour === 'timeout' ? 'timing_out' : 'cancelling';
    if (exp.state === 'timing_out') {
      exp.applied.fields.__timed_out__ = [exp.fei, new Date(this.ctx.now).toISOString(), exp.tree[0], this.compileAtts(exp)];
    } else if (exp.state === 'cancelling') {
      if (msg.onCancel !== undefined) exp.onCancel = msg.onCancel;
      else if (msg.reApply) exp.onReApply = { tree: msg.reApply.tree ?? clone(exp.tree), applied: !!msg.reApply.applied };
    }
    const kind = this.kindOf(exp);
    if (kind.cancel) kind.cancel(this, exp, flavour);
    else this.cancelChildren(exp, flavour);
  }

  cancelChildren(exp: ExpressionState, flavour: string | undefined): void {
    // Children are created before any cancel reaches their parent (the queue is FIFO). One that is
    // gone but whose reply is still queued is waited for, as Ruote does: the parent then replies
    // with that child's workitem, not the one it was applied with. One gone without a queued reply
    // was lost with a step cut short (see overflow) and will never reply.
    exp.children = exp.children.filter((c) => this.state.expressions[c] !== undefined || this.replyQueued(exp.fei, c));
    if (exp.children.length === 0) return this.replyToParent(exp, exp.applied);
    for (const c of exp.children) this.enqueue({ action: 'cancel', fei: c, flavour });
  }

  private replyQueued(to: string, from: string): boolean {
    return this.queue.some((m) => m.action === 'reply' && m.fei === to && m.workitem.fei === from);
  }

  private cancelFlanks(exp: ExpressionState, flavour: string | undefined): void {
    for (const f of exp.flanks ?? []) this.enqueue({ action: 'cancel', fei: f, flavour });
    exp.flanks = undefined;
  }

  private doFail(msg: Extract<InternalMessage, { action: 'fail' }>): void {
    const exp = this.lookup(msg.fei);
    if (!exp) return;
    exp.state = 'failing';
    exp.data.errorHandler = msg.handler;
    exp.applied = { ...msg.workitem, fei: exp.fei };
    if (exp.children.length === 0) return this.replyToParent(exp, exp.applied);
    for (const c of exp.children) this.enqueue({ action: 'cancel', fei: c, flavour: msg.immediate ? 'kill' : undefined });
  }

  // ---- errors ---------------------------------------------------------------------------

  handleError(fei: string, e: unknown, msg: InternalMessage): void {
    const message = e instanceof Error ? e.message : String(e);
    const errorClass = e instanceof ExpressionError ? e.errorClass : e instanceof Error ? e.name : 'Error';
    const exp = this.lookup(fei);
    if (exp && exp.state !== 'failing') {
      let oe: ExpressionState | undefined = exp;
      let handler: unknown;
      for (; oe; oe = this.lookup(oe.parent)) {
        handler = localOnError(oe.onError, message, errorClass);
        if (handler !== undefined) break;
      }
      if (oe && handler !== '' && handler !== null) {
        const base = 'workitem' in msg ? msg.workitem : exp.applied;
        const wi: Workitem = { fields: clone(base.fields) };
        wi.fields.__error__ = this.errorOf(exp, message, errorClass);
        this.enqueue({ action: 'fail', fei: oe.fei, workitem: wi, immediate: /^!/.test(String(isTree(handler) ? handler[0] : handler)), handler });
        return;
      }
    }
    if (exp) exp.data.errorClass = errorClass;
    this.recordError(fei, exp?.expid ?? fei.split('!')[0], message, msg);
  }

  /** The `__error__` a handler or a listener gets: Ruote's fields (its fei as a hash), with the expid beside. */
  private errorOf(exp: ExpressionState, message: string, errorClass: string): Record<string, unknown> {
    return {
      fei: { engine_id: 'engine', wfid: this.state.wfid, subid: exp.subid, expid: exp.expid },
      expid: exp.expid, at: new Date(this.ctx.now).toISOString(), class: errorClass, message, tree: exp.tree,
    };
  }

  recordError(fei: string, expid: string, message: string, msg: InternalMessage): void {
    this.state.errors.push({ id: `err-${this.nextSeq()}`, expid, message, at: this.ctx.now, fei, msg: clone(msg) });
    if (this.state.status === 'running') this.state.status = 'error';
    const exp = this.lookup(fei);
    // Listeners (listen to: errors, await error) get the error in their workitem, as Ruote's tracker gives it.
    if (exp) this.emitEvent('error_intercepted', [message, exp.data.errorClass ?? ''], { ...exp.applied, fields: { ...exp.applied.fields, __error__: this.errorOf(exp, message, exp.data.errorClass ?? 'Error') } });
  }

  /** Wakes the await expressions of this process listening to the event. */
  emitEvent(event: TrackedEvent, names: string[], wi: Workitem): void {
    for (const t of [...(this.state.trackers ?? [])]) {
      if (t.event !== event || !this.lookup(t.fei) || !nameMatches(t.condition, names)) continue;
      if (t.resume) {
        this.state.trackers = this.state.trackers!.filter((x) => x !== t);
        this.enqueue(t.resume);
      } else {
        this.enqueue({ action: 'reply', fei: t.fei, workitem: { fields: clone(wi.fields) } });
      }
    }
  }

  // ---- on_error / on_cancel / on_timeout / re-apply --------------------------------------

  /** Replaces exp by a fresh expression (new subid) applied from tree, under the same parent. */
  supplant(exp: ExpressionState, tree: Tree, wi: Workitem, trigger?: string): void {
    this.removeExpression(exp);
    const fei = `${exp.expid}!${this.newSubid()}`;
    const parent = this.lookup(exp.parent);
    if (parent) parent.children = parent.children.map((c) => (c === exp.fei ? fei : c));
    if (exp.fei === this.state.root) this.state.root = fei;
    this.enqueue({
      action: 'apply', fei, parent: exp.parent, tree, workitem: { fields: wi.fields },
      variables: exp.variables, trigger, branch: exp.branch, forgotten: exp.forgotten,
      supplanted: trigger && trigger !== 'on_re_apply' ? { tree: exp.tree, applied: exp.applied } : undefined,
    });
  }

  // ---- timers -----------------------------------------------------------------------------

  schedule(exp: ExpressionState, dueAt: number, msg: InternalMessage): string {
    const timerId = `${this.state.wfid}:${this.nextSeq()}`;
    this.state.timers[timerId] = { dueAt, msg: clone(msg) };
    (exp.timers ??= []).push(timerId);
    this.effects.push({ type: 'schedule', timerId, dueAt });
    return timerId;
  }

  unscheduleAll(exp: ExpressionState): void {
    for (const id of exp.timers ?? []) {
      if (this.state.timers[id]) {
        delete this.state.timers[id];
        this.effects.push({ type: 'unschedule', timerId: id });
      }
    }
    exp.timers = undefined;
  }

  fireTimer(timerId: string): boolean {
    const t = this.state.timers[timerId];
    if (!t) return false;
    delete this.state.timers[timerId];
    for (const exp of Object.values(this.state.expressions)) {
      if (exp.timers?.includes(timerId)) exp.timers = exp.timers.filter((x) => x !== timerId);
    }
    this.enqueue(t.msg);
    return true;
  }

  
}
