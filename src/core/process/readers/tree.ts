// The one tree form every reader produces and the interpreter consumes (Ruote's "raw tree"):
// [expression name, attributes, children]. A bare attribute (Radial `participant alpha`,
// XML text content) is a key with a null value; the interpreter gives it meaning.

export type Tree = [name: string, attributes: Record<string, unknown>, children: Tree[]];

/**
 * Expression names written in lowercase with dashes (`concurrent-iterator`) become underscored,
 * as Ruote's Radial reader does. Other names (participant names such as `Alice-B`, dotted or
 * `${…}` names) are kept as written.
 */
export function normaliseName(name: string): string {
  return /^[a-z-]+$/.test(name) ? name.replace(/-/g, '_') : name;
}

/** Sets an own enumerable property; a `__proto__` key stays data and never replaces the prototype. */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}
