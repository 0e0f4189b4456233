import { defineError, type WeftError } from '../errors.js';
import type { FlowErrorItem, FlowFailure, FlowSnapshot } from './flow-types.js';

// Exact text from the flows contract (issue 3, rule 3); clients match on it.
export const NO_MATCHING_TRANSITION = 'Invalid transition argument or no active step matches the transition identifier.';

export const FlowSchemaInvalid = defineError('WEFT_FLOW_SCHEMA_INVALID', 400, 'invalid flow schema');
/** The transition identifier or the named step does not exist in the instance's schema version. */
export const FlowTransitionUnknown = defineError('WEFT_FLOW_TRANSITION_UNKNOWN', 400, NO_MATCHING_TRANSITION);
/** The transition exists but leaves no active step now. */
export const FlowTransitionUnavailable = defineError('WEFT_FLOW_TRANSITION_UNAVAILABLE', 409, NO_MATCHING_TRANSITION);
export const FlowConditionFalse = defineError(
  'WEFT_FLOW_CONDITION_FALSE',
  409,
  (transition: string, from: string, to: string, condition: string) =>
    `Condition not met for transition '${transition}' (${from} -> ${to}): ${condition}`,
);
export const FlowInstanceNotActive = defineError(
  'WEFT_FLOW_INSTANCE_NOT_ACTIVE',
  409,
  (state: string, attempted: string) => `The flow instance is ${state}; it cannot ${attempted}.`,
);
export const FlowAutomaticCycle = defineError(
  'WEFT_FLOW_AUTOMATIC_CYCLE',
  409,
  (limit: number, last: string) =>
    `Automatic transitions were cut off after ${limit} firings in one request (last: ${last}); a cycle of automatic transitions never stops (or the chain is longer than that). Nothing was changed.`,
);

/** A failure result carrying `error`'s code, status and message; `next` is returned untouched. */
export function failure(error: WeftError, next: FlowSnapshot | undefined, errors?: FlowErrorItem[]): FlowFailure {
  return {
    ok: false,
    status: error.status as 400 | 404 | 409,
    code: error.code,
    message: error.message,
    errors: errors ?? [{ code: error.code, message: error.message }],
    next,
  };
}
