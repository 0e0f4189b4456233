// Regular expressions written by users (`=~` in conditions, Ruote's /patterns/, JSONata's) run on the
// event loop. engine/linear-regexp.ts has V8 rerun one that backtracks too much on its linear-time
// engine, which supports every pattern but those with backreferences (`\1`, `\k<name>`) or
// lookarounds (`(?=`, `(?!`, `(?<=`, `(?<!`): those could still backtrack for minutes, holding every
// request of the node (`/^(a+)+\1$/` against "aaa…a!"). They are refused where a user writes one.

const BACKTRACKING_ONLY = /\\[1-9]|\\k<|\(\?<?[=!]/;

export const USER_REGEXP_REFUSED = 'backreferences and lookarounds are not accepted (they may take exponential time)';
// V8 never reruns a regexp with the u or v flag on its linear-time engine.
const FLAG_REFUSED = 'the u and v flags are not accepted (with them a pattern may take exponential time)';

/** Why a user's pattern source is refused, or null. (An escaped backslash before a digit is refused too: rare, and safe.) */
export function refuseUserPattern(source: string): string | null {
  return BACKTRACKING_ONLY.test(source) ? USER_REGEXP_REFUSED : null;
}

/** Why a user's regular expression (its source and flags) is refused, or null. */
export function refuseUserRegExp(source: string, flags: string): string | null {
  return refuseUserPattern(source) ?? (/[uv]/.test(flags) ? FLAG_REFUSED : null);
}

/** A user's regular expression; throws (a SyntaxError, as for an invalid one) when it is refused. */
export function userRegExp(source: string, flags = ''): RegExp {
  const refused = refuseUserRegExp(source, flags);
  if (refused) throw new SyntaxError(`Invalid regular expression: /${source}/${flags}: ${refused}`);
  return new RegExp(source, flags);
}

/**
 * The regular expressions of JSON Schema `pattern`s, for Ajv's `code.regExp`: Ajv compiles them with
 * the `u` flag, and V8 never moves a `u` regexp to its linear-time engine (`/^(a+)+$/u` against 30
 * a's and a `!` takes ~40 s). They are compiled without it, and refused when they need it or when
 * only the backtracking engine could run them; Ajv reports that as an invalid schema.
 */
export const schemaRegExp = Object.assign(
  (pattern: string, flags: string): RegExp => {
    const refused = refuseUserPattern(pattern);
    if (refused) throw new Error(`pattern ${JSON.stringify(pattern)}: ${refused}`);
    try {
      // Unicode property and code point escapes mean something else without the flag.
      if (/\\[pP]\{|\\u\{/.test(pattern)) throw new Error('needs u');
      return new RegExp(pattern, flags.replace(/[uv]/g, ''));
    } catch {
      throw new Error(`pattern ${JSON.stringify(pattern)} is not accepted: it needs the u flag, with which it may take exponential time`);
    }
  },
  { code: 'new RegExp' },
);
