/**
 * Runs tasks with the same key one after another, in call order; different keys run freely.
 * Within one node this makes a change's commit and its event happen before the next change to
 * the same instance starts, so subscribers see changes in commit order. (The row lock is what
 * serialises writers across nodes.)
 */
export function createKeyedQueue() {
  const tails = new Map<string, Promise<void>>();
  return function run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = tails.get(key);
    // PERF: a key with nothing running starts at once (no hop through a resolved promise).
    const result = previous === undefined ? task() : previous.then(task);
    const settled = () => {
      if (tails.get(key) === tail) tails.delete(key);
    };
    const tail: Promise<void> = result.then(settled, settled);
    tails.set(key, tail);
    return result;
  };
}
