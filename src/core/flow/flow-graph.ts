import { evaluateCondition, objectResolver } from '../expr/index.js';
import type { FlowSchemaVersionBody, HistoryEntry, StepState, TransitionSchema, TransitionType } from './flow-types.js';

/** What a condition sees: `${subject.…}`, `${data.…}`, `${input.…}`. */
export interface ConditionScope {
  subject: unknown;
  data: unknown;
  input: unknown;
}

/** Start steps: the steps with no incoming transition (rule 1). */
export function startSteps(schema: FlowSchemaVersionBody): string[] {
  const targets = new Set(schema.transitions.map((t) => t.to));
  return schema.steps.filter((s) => !targets.has(s.identifier)).map((s) => s.identifier);
}

/** True when the transition has no condition or it holds; throws ConditionError when it cannot be evaluated. */
export function conditionHolds(t: TransitionSchema, scope: ConditionScope): boolean {
  if (t.condition === null) return true;
  return evaluateCondition(t.condition, objectResolver({ subject: scope.subject, data: scope.data, input: scope.input }));
}

export function describeTransition(t: TransitionSchema): string {
  return `'${t.identifier}' (${t.from} -> ${t.to})`;
}

/**
 * Fires `fired` all at once: their sources become completed, then their targets active (so a
 * target that is also a source ends active). Appends one history entry per transition.
 */
export function fire(
  steps: Record<string, StepState>,
  fired: TransitionSchema[],
  type: TransitionType,
  stamp: { requestId: string | null; at: number },
  applied: HistoryEntry[],
): void {
  for (const t of fired) steps[t.from] = 'completed';
  for (const t of fired) {
    steps[t.to] = 'active';
    applied.push({ transition: t.identifier, from: t.from, to: t.to, type, requestId: stamp.requestId, at: stamp.at });
  }
}
