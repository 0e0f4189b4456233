// Field casts and checks with the mediator's (mongoose's) validation messages. Each records its
// error under the field's dotted path and returns the cast value (undefined when absent or bad).

export class FieldErrors {
  readonly list: Array<{ path: string; message: string }> = [];

  add(path: string, message: string): void {
    this.list.push({ path, message });
  }

  get empty(): boolean {
    return this.list.length === 0;
  }

  /** `<prefix>: a: msg, b: msg` — mongoose's ValidationError message. */
  format(prefix: string): string {
    return `${prefix}: ${this.list.map((e) => `${e.path}: ${e.message}`).join(', ')}`;
  }
}

function show(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

export function castError(errors: FieldErrors, path: string, type: string, value: unknown): undefined {
  const shown = typeof value === 'string' ? value : show(value);
  errors.add(path, `Cast to ${type} failed for value "${shown}" at path "${path}"`);
  return undefined;
}

/** Strings; numbers and booleans become strings (mongoose's String cast). */
export function castString(errors: FieldErrors, path: string, value: unknown, required = false): string | undefined {
  if (value === undefined || value === null) {
    if (required) errors.add(path, `Path \`${path}\` is required.`);
    return undefined;
  }
  if (typeof value === 'number' || typeof value === 'boolean') value = String(value);
  if (typeof value !== 'string') return castError(errors, path, 'string', value);
  if (required && value.length === 0) {
    errors.add(path, `Path \`${path}\` is required.`);
    return undefined;
  }
  return value;
}

export function castEnum<T extends string>(
  errors: FieldErrors,
  path: string,
  value: unknown,
  allowed: readonly T[],
  required = false,
): T | undefined {
  const s = castString(errors, path, value, required);
  if (s === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(s)) {
    errors.add(path, `\`${s}\` is not a valid enum value for path \`${path}\`.`);
    return undefined;
  }
  return s as T;
}

const TRUE = [true, 'true', 1, '1', 'yes'];
const FALSE = [false, 'false', 0, '0', 'no'];

export function castBoolean(errors: FieldErrors, path: string, value: unknown): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (TRUE.includes(value as never)) return true;
  if (FALSE.includes(value as never)) return false;
  return castError(errors, path, 'Boolean', value);
}

export function castNumber(errors: FieldErrors, path: string, value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n)) return castError(errors, path, 'Number', value);
  return n;
}

/** A nested object path; a non-object is a cast error. */
export function castObject(errors: FieldErrors, path: string, value: unknown): Record<string, unknown> | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isPlainObject(value)) return castError(errors, path, 'Object', value);
  return value;
}

/** An array path; a single object becomes a one-element array (mongoose's array cast). */
export function castArray(errors: FieldErrors, path: string, value: unknown): unknown[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value)) return value;
  if (isPlainObject(value)) return [value];
  return castError(errors, path, 'Array', value);
}
