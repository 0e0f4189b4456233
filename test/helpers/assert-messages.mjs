// Preloaded by scripts/run-tests.mjs. A failing `assert.ok(value)` without a message makes node
// read the test's source to quote the expression; under tsx the stack's line and column are the
// TypeScript file's while the reader parses JavaScript, and in a long file that search can run for
// minutes: the test then times out instead of failing. Giving such calls a message skips it.
import assert from 'node:assert';
import { inspect } from 'node:util';

for (const target of [assert, assert.strict]) {
  const ok = target.ok;
  target.ok = function okWithMessage(...args) {
    if (args.length >= 1 && !args[0] && args[1] === undefined) args[1] = `expected a truthy value, got ${inspect(args[0])}`;
    return ok.apply(this, args);
  };
}
