import { defineError } from '../errors.js';

/**
 * A condition that cannot be parsed or evaluated. `condition` is the text as written (before
 * substitution) so that the message never carries substituted field values.
 */
export const ConditionError = defineError(
  'WEFT_CONDITION_INVALID',
  400,
  (condition: string, reason: string) => `cannot evaluate condition ${JSON.stringify(condition)}: ${reason}`,
);

/** Thrown inside the lexer/parser/evaluator; turned into a ConditionError at the API boundary. */
export class ConditionSyntaxError extends Error {
  override name = 'ConditionSyntaxError';
}
