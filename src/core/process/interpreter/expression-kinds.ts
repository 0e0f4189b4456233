// Expression name → behaviour. Names not listed here are participants or subprocesses.
import type { ExpressionKind } from './interp.js';
import { awaitExp, listen } from './expressions/await-expression.js';
import { command, cursor, iterator } from './expressions/commanded-expressions.js';
import { concurrence, concurrentIterator } from './expressions/concurrence-expressions.js';
import { equals, given, ifExp, that } from './expressions/condition-expressions.js';
import { participant, subprocess } from './expressions/participant-expressions.js';
import { cancelProcess, define, echo, error, every, noop, sequence, stall, wait } from './expressions/sequence-expressions.js';
import { inc, set } from './expressions/set-expressions.js';
import { forget, lose, redo, undo } from './expressions/tag-expressions.js';
import { apply, restore, save } from './expressions/workitem-expressions.js';

const table: [ExpressionKind, string[]][] = [
  [sequence, ['sequence', 'let']],
  [define, ['define', 'process_definition', 'workflow_definition']],
  [echo, ['echo']],
  [noop, ['noop']],
  [stall, ['stall']],
  [error, ['error']],
  [wait, ['wait', 'sleep']],
  [every, ['every', 'cron']],
  [cancelProcess, ['cancel_process', 'terminate', 'kill_process']],
  [undo, ['undo', 'cancel', 'kill']],
  [redo, ['redo']],
  [forget, ['forget']],
  [lose, ['lose']],
  [set, ['set', 'unset', 'rset']],
  [inc, ['inc', 'dec', 'increment', 'decrement', 'push', 'pop']],
  [ifExp, ['if']],
  [equals, ['equals']],
  [given, ['given']],
  [that, ['that', 'of']],
  [participant, ['participant']],
  [subprocess, ['subprocess']],
  [concurrence, ['concurrence']],
  [concurrentIterator, ['concurrent_iterator', 'citerator']],
  [cursor, ['cursor', 'loop', 'repeat']],
  [iterator, ['iterator']],
  [apply, ['apply']],
  [awaitExp, ['await']],
  [listen, ['listen', 'receive', 'intercept']],
  [save, ['save']],
  [restore, ['restore', 'set_fields']],
  [command, ['skip', 'back', 'jump', 'rewind', 'continue', 'break', 'stop', 'over', 'reset']],
];

// Without a prototype: a participant may be named like any Object.prototype member (`constructor`,
// `toString`, `__proto__`…), and must not be taken for an expression.
export const EXPRESSION_KINDS: Record<string, ExpressionKind> = Object.assign(
  Object.create(null) as Record<string, ExpressionKind>,
  Object.fromEntries(table.flatMap(([kind, names]) => names.map((n) => [n, kind]))),
);

export const EXPRESSION_NAMES: readonly string[] = Object.keys(EXPRESSION_KINDS);
