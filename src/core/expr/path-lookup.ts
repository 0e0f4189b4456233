import type { Resolve } from './dollar-substitution.js';

const INDEX = /^(0|[1-9][0-9]*)$/;

/**
 * Dot-path lookup: `a.b.0` walks objects by key and arrays by numeric index (as Ruote.lookup).
 * Only own properties are visible, so `constructor` or `__proto__` never resolve. An empty path
 * returns the root. Anything missing is `undefined`.
 */
export function resolvePath(root: unknown, path: string): unknown {
  if (path === '') return root;
  let current: unknown = root;
  for (const segment of path.split('.')) {
    if (Array.isArray(current)) {
      if (!INDEX.test(segment)) return undefined;
      current = current[Number(segment)];
    } else if (current !== null && typeof current === 'object') {
      if (!Object.prototype.hasOwnProperty.call(current, segment)) return undefined;
      current = (current as Record<string, unknown>)[segment];
    } else {
      return undefined;
    }
  }
  return current;
}

/** Resolves `${subject.plan}`, `${data.x}`, `${input.y}` as dot paths in `scope`. */
export function objectResolver(scope: Record<string, unknown>): Resolve {
  return (ref) => resolvePath(scope, ref.trim());
}
