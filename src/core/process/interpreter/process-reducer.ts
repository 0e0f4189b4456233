// The processes reducer: (state, message, context) → (next state, effects). Pure: time and
// randomness come from the StepContext; the input state is never mutated.
import { EXPRESSION_KINDS } from './expression-kinds.js';
import { Interp, clone } from './interp.js';
import type {
  ActiveWorkitem, InternalMessage, LaunchMessage, ProcessEffect, ProcessMessage, ProcessState, StepContext, StepResult, Tree,
} from './types.js';

const ENDED = ['completed', 'cancelled'];

function bad(message: string): StepResult {
  return { error: { status: 400, message } };
}

function finish(ip: Interp): { state: ProcessState; effects: ProcessEffect[] } {
  const s = ip.state;
  const root = ip.lookup(s.root);
  if (root?.variables) s.variables = root.variables;
  // An error whose expression is gone (cancelled, killed, handled) is no longer replayable.
  s.errors = s.errors.filter((e) => s.expressions[e.fei] !== undefined);
  if (s.trackers) s.trackers = s.trackers.filter((t) => s.expressions[t.fei] !== undefined);
  if (s.trackers?.length === 0) delete s.trackers;
  if (s.status === 'error' && s.errors.length === 0) s.status = 'running';
  return { state: ip.state, effects: ip.effects };
}

export function launchProcess(wfid: string, msg: LaunchMessage, ctx: StepContext): { state: ProcessState; effects: ProcessEffect[] } {
  const state: ProcessState = {
    wfid, status: 'running', paused: false, tree: clone(msg.tree), expressions: {},
    variables: {}, trace: [], errors: [], workitems: {}, timers: {}, pausedMessages: [], seq: 0,
    launchedAt: ctx.now,
  };
  if (msg.callback !== undefined) state.callback = msg.callback;
  if (msg.callbacks !== undefined) state.callbacks = clone(msg.callbacks);
  const ip = new Interp(state, ctx, EXPRESSION_KINDS);
  const fei = `0!${ip.newSubid()}`;
  state.root = fei;
  ip.enqueue({
    action: 'apply', fei, tree: msg.tree, workitem: { fields: clone(msg.fields ?? {}) },
    variables: clone(msg.variables ?? {}), launch: true,
  });
  ip.run();
  return finish(ip);
}

/**
 * One message. The input state is left as it was, unless `inPlace`: then the caller hands the
 * state over (it was read for this step alone) and the step changes it instead of a copy —
 * PERF: copying the whole state was the largest cost of a step.
 */
export function stepProcess(state: ProcessState, msg: ProcessMessage, ctx: StepContext, opts: { inPlace?: boolean } = {}): StepResult {
  const ip = new Interp(opts.inPlace ? state : structuredClone(state), ctx, EXPRESSION_KINDS);
  const r = handle(ip, msg);
  if (r) return r;
  ip.run();
  return finish(ip);
}

function handle(ip: Interp, msg: ProcessMessage): StepResult | undefined {
  const s = ip.state;
  switch (msg.type) {
    case 'launch':
      return bad('process already launched');
    case 'proceed': {
      const exp = ip.lookup(s.workitems[msg.workitemId]);
      if (!exp) return bad('workitem_id not found');
      if (s.paused) return queueWhilePaused(ip, msg);
      delete s.workitems[msg.workitemId];
      const fields = { ...exp.applied.fields, ...(clone(msg.fields) ?? {}) };
      ip.enqueue({ action: 'reply', fei: exp.fei, workitem: { fields, fei: exp.fei } });
      return undefined;
    }
    case 'delivery_failed': {
      const exp = ip.lookup(s.workitems[msg.workitemId]);
      if (!exp) return bad('workitem_id not found');
      if (s.paused) return queueWhilePaused(ip, msg);
      ip.enqueue({ action: 'error', fei: exp.fei, message: `delivery failed: ${msg.message}` });
      return undefined;
    }
    case 'timer': {
      if (!s.timers[msg.timerId]) return { state: s, effects: [] };
      if (s.paused) return queueWhilePaused(ip, msg);
      ip.fireTimer(msg.timerId);
      return undefined;
    }
    case 'cancel':
    case 'kill': {
      if (ENDED.includes(s.status) || !s.root || !ip.lookup(s.root)) return bad('workflow_id not found');
      s.ending = msg.type;
      s.paused = false;
      ip.enqueue({ action: 'cancel', fei: s.root, flavour: msg.type === 'kill' ? 'kill' : undefined });
      const queued = s.pausedMessages;
      s.pausedMessages = [];
      for (const m of queued) handle(ip, m);
      return undefined;
    }
    case 'pause':
      if (ENDED.includes(s.status)) return bad('workflow_id not found');
      s.paused = true;
      return undefined;
    case 'resume': {
      if (ENDED.includes(s.status)) return bad('workflow_id not found');
      s.paused = false;
      const queued = s.pausedMessages;
      s.pausedMessages = [];
      for (const m of queued) handle(ip, m);
      return undefined;
    }
    case 'replay':
      return replay(ip, msg);
  }
}

function queueWhilePaused(ip: Interp, msg: ProcessMessage): StepResult {
  ip.state.pausedMessages.push(clone(msg));
  return { state: ip.state, effects: [] };
}

function replay(ip: Interp, msg: Extract<ProcessMessage, { type: 'replay' }>): StepResult | undefined {
  const s = ip.state;
  const i = s.errors.findIndex((e) => e.id === msg.errorId);
  if (i < 0) return bad('error not found');
  const [rec] = s.errors.splice(i, 1);
  if (s.errors.length === 0 && s.status === 'error') s.status = 'running';
  const exp = ip.lookup(rec.fei);
  let m: InternalMessage = rec.msg;
  if (exp && (msg.tree || m.action === 'error')) {
    const fields = { ...exp.applied.fields };
    delete fields.params;
    m = {
      action: 'apply', fei: exp.fei, parent: exp.parent, tree: msg.tree ?? exp.tree, workitem: { fields },
      variables: exp.variables, launch: rec.msg.action === 'apply' ? rec.msg.launch : undefined,
    };
    if (msg.tree) replaceSubtree(s, exp.expid, msg.tree);
  }
  if (msg.fields && 'workitem' in m) m.workitem = { ...m.workitem, fields: { ...m.workitem.fields, ...clone(msg.fields) } };
  else if (msg.fields && exp) exp.applied.fields = { ...exp.applied.fields, ...clone(msg.fields) };
  ip.enqueue(m);
  return undefined;
}

/** Keeps the live definition in step with a corrected tree, when its position can be found. */
function replaceSubtree(s: ProcessState, expid: string, tree: Tree): void {
  const path = expid.split('_').slice(1).map(Number);
  if (path.length === 0) { s.tree = clone(tree); return; }
  let cur: Tree | undefined = s.tree;
  for (const i of path.slice(0, -1)) cur = cur?.[2][i];
  const last = path[path.length - 1];
  if (cur && cur[2][last]) cur[2][last] = clone(tree);
}

export function activeWorkitems(state: ProcessState): ActiveWorkitem[] {
  const out: ActiveWorkitem[] = [];
  for (const workitemId of activeWorkitemIds(state)) {
    const exp = state.expressions[state.workitems[workitemId]];
    out.push({ workitemId, participant: exp.participant ?? '', fields: exp.applied.fields, expid: exp.expid, dispatchedAt: exp.dispatchedAt ?? 0 });
  }
  return out;
}

/** The ids of activeWorkitems(state), without building their records (a step's before and after). */
export function activeWorkitemIds(state: ProcessState): string[] {
  const out: string[] = [];
  for (const id in state.workitems) if (state.expressions[state.workitems[id]] !== undefined) out.push(id);
  return out;
}
