import { isWeftError, type WeftError } from '../errors.js';
import { FlowAutomaticCycle } from './flow-errors.js';
import { type ConditionScope, conditionHolds, describeTransition, fire } from './flow-graph.js';
import type { FlowSchemaVersionBody, HistoryEntry, InstanceState, StepState, TransitionSchema } from './flow-types.js';

// Default 1,000 (issue 3, rule 2): automatic firings allowed in one request before a cycle is cut off.
export const MAX_AUTOMATIC_FIRINGS = 1000;

/**
 * Rules 2 and 4 on a working copy of the step states (mutated in place). Each round looks at the
 * steps active at its start and fires, all at once, every outgoing automatic transition whose
 * condition holds; rounds repeat until nothing fires. Then active steps without outgoing
 * transitions complete, and the instance completes when no active step is left.
 * Returns the new instance state, or the error that fails the whole request.
 */
export function advance(
  schema: FlowSchemaVersionBody,
  steps: Record<string, StepState>,
  scope: ConditionScope,
  stamp: { requestId: string | null; at: number },
  applied: HistoryEntry[],
  limit = MAX_AUTOMATIC_FIRINGS,
): InstanceState | WeftError {
  const automatic = new Map<string, TransitionSchema[]>();
  for (const t of schema.transitions) {
    if (t.type === 'automatic') automatic.set(t.from, [...(automatic.get(t.from) ?? []), t]);
  }
  let fired = 0;
  for (;;) {
    const round: TransitionSchema[] = [];
    for (const step of schema.steps) {
      if (steps[step.identifier] !== 'active') continue;
      for (const t of automatic.get(step.identifier) ?? []) {
        try {
          if (conditionHolds(t, scope)) round.push(t);
        } catch (e) {
          if (isWeftError(e)) return e;
          throw e;
        }
      }
    }
    if (round.length === 0) break;
    if (fired + round.length > limit) return FlowAutomaticCycle(limit, describeTransition(round[0]!));
    fire(steps, round, 'automatic', stamp, applied);
    fired += round.length;
  }
  return complete(schema, steps);
}

/** Rule 4: terminal active steps complete; no active step left → the instance is completed. */
export function complete(schema: FlowSchemaVersionBody, steps: Record<string, StepState>): InstanceState {
  const sources = new Set(schema.transitions.map((t) => t.from));
  let anyActive = false;
  for (const step of schema.steps) {
    if (steps[step.identifier] !== 'active') continue;
    if (!sources.has(step.identifier)) steps[step.identifier] = 'completed';
    else anyActive = true;
  }
  return anyActive ? 'active' : 'completed';
}
