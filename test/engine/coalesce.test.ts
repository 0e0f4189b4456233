import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCoalescer } from '../../src/engine/coalesce.js';

const tick = () => new Promise((r) => setImmediate(r));
const settle = (p: Promise<string>) =>
  p.then(
    (v) => v,
    (err: Error) => `rejected: ${err.message}`,
  );

for (const serial of [true, false]) {
  test(`coalescer (serial: ${serial}): calls of one turn are one batch per key, answered in order; handedOver; a failed batch rejects its items`, async () => {
    const runs: Array<[number, number[]]> = [];
    const gates: Array<() => void> = [];
    const c = createCoalescer<number, string>(3, serial, async (key, items) => {
      runs.push([key, items]);
      await new Promise<void>((resolve) => gates.push(resolve));
      if (items.includes(13)) throw new Error('unlucky');
      return items.map((i) => `${key}:${i}`);
    });
    const first = [1, 2, 3, 4].map((i) => settle(c(1, i)));
    const other = settle(c(2, 9));
    const failing = [13, 14].map((i) => settle(c(3, i)));
    let handedYet = false;
    const handed = c.handedOver(1).then(() => (handedYet = true));
    await tick();
    await tick();
    // At most 3 per batch, one batch list per key. A serial key runs its next batch after this one is answered.
    assert.deepEqual(runs, serial ? [[1, [1, 2, 3]], [2, [9]], [3, [13, 14]]] : [[1, [1, 2, 3]], [1, [4]], [2, [9]], [3, [13, 14]]]);
    assert.equal(handedYet, !serial, 'handed over once item 4 is');
    // Items given while a batch is in flight: gathered behind it (serial), or a batch at once.
    const more = [5, 6].map((i) => settle(c(1, i)));
    await tick();
    await tick();
    if (!serial) assert.deepEqual(runs.at(-1), [1, [5, 6]]);
    while (gates.length > 0) {
      gates.shift()!();
      await tick();
      await tick();
    }
    await handed;
    assert.deepEqual(await Promise.all(first), ['1:1', '1:2', '1:3', '1:4']);
    assert.deepEqual(await Promise.all(more), ['1:5', '1:6']);
    assert.equal(await other, '2:9');
    assert.deepEqual(await Promise.all(failing), ['rejected: unlucky', 'rejected: unlucky']);
    if (serial) assert.deepEqual(runs.filter(([k]) => k === 1), [[1, [1, 2, 3]], [1, [4, 5, 6]]]);
    // Nothing waiting: handed over at once.
    await c.handedOver(1);
  });
}
