// Regular expressions written by users (`=~` in conditions, Ruote's /patterns/, JSONata's) run on the
// event loop. engine/linear-regexp.ts has V8 rerun one that backtracks too much on its linear-time
// engine, which supports every pattern but those with backreferences (`\1`, `\k<name>`) or
// lookarounds (`(?=`, `(?!`, `(?<=`, `(?<!`): those could still backtrack for minutes, holding every
// request of the node (`/^(a+)+\1$/` against "aaa…a!"). They are refused where a user writes one.

const BACKTRACKING_ONLY = /\\[1-9]|\\k<|\(\?<?[=!]/;

export const USER_REGEXP_REFUSED = 'backreferences and lookarounds are not accepted (they may take exponential time)';

/** Why a user's pattern source is refused, or null. (An escaped backslash before a digit is refused too: rare, and safe.) */
export function refuseUserPattern(source: string): string | null {
  return BACKTRACKING_ONLY.test(source) ? USER_REGEXP_REFUSED : null;
}

/** A user's regular expression; throws (a SyntaxError, as for an invalid one) when it is refused. */
export function userRegExp(source: string, flags = ''): RegExp {
  const refused = refuseUserPattern(source);
  if (refused) throw new SyntaxError(`Invalid regular expression: /${source}/${flags}: ${refused}`);
  return new RegExp(source, flags);
}
