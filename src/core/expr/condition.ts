import { evaluateText } from './condition-eval.js';
import { parseCondition } from './condition-parser.js';
import { findClose, type Resolve, substitute, SubstitutionTooLong } from './dollar-substitution.js';
import { ConditionError, ConditionSyntaxError } from './expr-errors.js';

/**
 * A `${…}` in written text stands for a value not known yet: it is replaced by one bare word of
 * the same length, so that columns in error messages point into the text as written.
 */
function maskReferences(text: string): string {
  let out = '';
  let i = 0;
  for (;;) {
    const open = text.indexOf('${', i);
    const close = open < 0 ? -1 : findClose(text, open + 1);
    if (close < 0) return out + text.slice(i);
    out += text.slice(i, open) + 'r'.repeat(close - open + 1);
    i = close + 1;
  }
}

function writtenProblem(text: string, strict: boolean): string | null {
  try {
    parseCondition(maskReferences(text), strict);
    return null;
  } catch (e) {
    if (e instanceof ConditionSyntaxError) return e.message;
    throw e;
  }
}

/**
 * Parse-only check for definitions saved ahead of time. Returns the parse error message or null.
 * Stricter than evaluation: an operator with nothing written on one side is an error here (at run
 * time an empty side is allowed, because an unknown `${…}` substitutes to nothing).
 */
export function checkCondition(text: string): string | null {
  return writtenProblem(text, true);
}

/**
 * Substitutes `${…}` with `resolve`, then evaluates. Throws ConditionError
 * (WEFT_CONDITION_INVALID, 400) when the substituted text cannot be evaluated (unbalanced
 * parentheses, dangling 'and'/'or'/'not', invalid regular expression). Text that was substituted
 * already may be passed too: an empty side of a comparison or test is allowed here.
 */
export function evaluateCondition(text: string, resolve: Resolve): boolean {
  try {
    return evaluateText(substitute(text, resolve));
  } catch (e) {
    if (e instanceof SubstitutionTooLong) throw ConditionError(text.length > 200 ? `${text.slice(0, 200)}…` : text, e.message, { cause: e });
    if (!(e instanceof ConditionSyntaxError)) throw e;
    // Prefer the problem in the text as written (its columns are right); otherwise the
    // substituted values made it fail, and the columns point into the substituted text.
    const reason = writtenProblem(text, false) ?? (text.includes('${') && e.message.includes('column') ? `${e.message} (after substitution)` : e.message);
    throw ConditionError(text, reason, { cause: e });
  }
}
