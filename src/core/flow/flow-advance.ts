import { isWeftError, type WeftError } from '../errors.js';
import { FlowAutomaticCycle } from './flow-errors.js';
import { type ConditionScope, conditionHolds, describeTransition, fire, outgoing } from './flow-graph.js';
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
  let fired = 0;
  for (;;) {
    const round: TransitionSchema[] = [];
    for (const step of schema.steps) {
      if (steps[step.identifier] !== 'active') continue;
      for (const t of outgoing(schema, step.identifier)) {
        if (t.type !== 'automatic') continue;
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
  let anyActive = false;
  for (const step of schema.steps) {
    if (steps[step.identifier] !== 'active') continue;
    if (outgoing(schema, step.identifier).length === 0) steps[step.identifier] = 'completed';
    else anyActive = true;
  }
  return anyActive ? 'active' : 'completed';
}
