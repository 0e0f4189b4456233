import { isWeftError, type WeftError } from '../errors.js';
import { advance } from './flow-advance.js';
import { FlowConditionFalse, FlowInstanceNotActive, FlowTransitionUnavailable, FlowTransitionUnknown, failure } from './flow-errors.js';
import { conditionHolds, fire } from './flow-graph.js';
import type { FlowContext, FlowErrorItem, FlowResult, FlowSchemaVersionBody, FlowSnapshot, HistoryEntry } from './flow-types.js';

export interface TransitionCommand {
  /** The transition identifier. */
  transition: string;
  /** Only transitions leaving this step; default every active step. */
  step?: string | null;
  /** Request input, seen by conditions as `${input.…}`. Default {}. */
  input?: unknown;
  requestId?: string | null;
}

/**
 * Rules 3, 2, 4 and 5: fires every transition with the identifier that leaves an active step
 * (only `step` when given), all at once, provided every one's condition holds; then automatic
 * transitions and completion. On any failure the given snapshot is returned untouched.
 * Statuses: 409 instance not active, transition unavailable now, condition false or an
 * automatic cycle; 400 unknown transition/step or a condition that cannot be evaluated.
 */
export function applyTransition(
  schema: FlowSchemaVersionBody,
  snapshot: FlowSnapshot,
  cmd: TransitionCommand,
  ctx: FlowContext,
): FlowResult {
  if (snapshot.state !== 'active') return failure(FlowInstanceNotActive(snapshot.state, 'take transitions'), snapshot);
  const step = cmd.step ?? null;
  if (typeof cmd.transition !== 'string' || cmd.transition === '' || (step !== null && typeof step !== 'string')) {
    return failure(FlowTransitionUnknown(), snapshot);
  }
  const candidates = schema.transitions.filter((t) => t.identifier === cmd.transition && (step === null || t.from === step));
  if (candidates.length === 0) return failure(FlowTransitionUnknown(), snapshot);
  const resolved = candidates.filter((t) => snapshot.steps[t.from] === 'active');
  if (resolved.length === 0) return failure(FlowTransitionUnavailable(), snapshot);

  const scope = { subject: ctx.subject, data: snapshot.data, input: cmd.input ?? {} };
  const unmet: WeftError[] = [];
  for (const t of resolved) {
    try {
      if (!conditionHolds(t, scope)) unmet.push(FlowConditionFalse(t.identifier, t.from, t.to, t.condition ?? ''));
    } catch (e) {
      if (isWeftError(e)) return failure(e, snapshot);
      throw e;
    }
  }
  if (unmet.length > 0) {
    const errors: FlowErrorItem[] = unmet.map((e) => ({ code: e.code, message: e.message }));
    return failure(unmet[0]!, snapshot, errors);
  }

  const steps = { ...snapshot.steps };
  const applied: HistoryEntry[] = [];
  const stamp = { requestId: cmd.requestId ?? null, at: ctx.now };
  fire(steps, resolved, 'manual', stamp, applied);
  const state = advance(schema, steps, scope, stamp, applied);
  if (isWeftError(state)) return failure(state, snapshot);
  return { ok: true, next: { state, steps, data: snapshot.data }, applied };
}

/** A manual transition leaving an active step, and whether it would fire now. */
export interface TransitionNow {
  identifier: string;
  from: string;
  to: string;
  condition: string | null;
  /** Its condition holds with the given input (or it has none). */
  available: boolean;
  /** Why not, when not: the condition that does not hold, or why it cannot be evaluated. */
  reason: string | null;
}

/**
 * The manual transitions an active instance offers now: every one leaving an active step, each with
 * whether its condition holds against the subject, the data and `input` (what a request would
 * carry; default {}). Firing an identifier from a step (applyTransition) succeeds exactly when every
 * transition of that identifier leaving that step is available. A paused or ended instance offers none.
 */
export function transitionsNow(schema: FlowSchemaVersionBody, snapshot: FlowSnapshot, ctx: Pick<FlowContext, 'subject'>, input: unknown = {}): TransitionNow[] {
  if (snapshot.state !== 'active') return [];
  const scope = { subject: ctx.subject, data: snapshot.data, input };
  return schema.transitions
    .filter((t) => t.type !== 'automatic' && snapshot.steps[t.from] === 'active')
    .map((t) => {
      let reason: string | null = null;
      try {
        if (!conditionHolds(t, scope)) reason = FlowConditionFalse(t.identifier, t.from, t.to, t.condition ?? '').message;
      } catch (e) {
        if (!isWeftError(e)) throw e;
        reason = e.message;
      }
      return { identifier: t.identifier, from: t.from, to: t.to, condition: t.condition ?? null, available: reason === null, reason };
    });
}
