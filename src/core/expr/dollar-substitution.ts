// Dollar substitution, as Ruote's DollarSubstitution over rufus-dollar:
//   ${x}            the caller's resolver decides (Ruote: field x); ${f:x} field, ${v:x} variable
//   ${${a}}         nested: the inner reference is substituted first, then the outer one resolved
//   ${'x} / ${"x}   quoted: the value is inserted as a double-quoted string (for conditions whose
//                   values may hold spaces or operators)
// Unknown references render as ''. Values are not re-scanned after insertion (rufus-dollar
// re-scans; weft does not, so a field holding "${v:secret}" stays text).

/** `ref` is the text inside `${…}` after inner substitution, e.g. "f:x", "v:y", "x", "wfid". */
export type Resolve = (ref: string) => unknown;

/**
 * Text form of a value: strings as is, numbers and booleans via String, null/undefined as ''
 * (Ruby's nil.to_s), arrays and objects as JSON — Ruote uses Ruby's to_s (inspect form); JSON
 * is chosen because the condition language reads it back (`${f:list} is in …`, `[] is empty`).
 */
export function renderValue(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  try {
    return JSON.stringify(value) ?? '';
  } catch {
    return '';
  }
}

/** Index of the `}` closing the `${` at `start`, or -1 when it is never closed. */
export function findClose(text: string, start: number): number {
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (c === '{') depth++;
    else if (c === '}') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

// Default 1,048,576 characters (the default body limit): the longest text a substitution may make.
// A process can grow a field in a loop (`set f:a: ${f:a}${f:a}` doubles it each turn): past this it
// fails, as an error of the expression, instead of exhausting the server's memory.
export const MAX_SUBSTITUTED_CHARS = 1_048_576;

export class SubstitutionTooLong extends Error {
  constructor() {
    super(`a substitution would make a text longer than ${MAX_SUBSTITUTED_CHARS} characters`);
  }
}

/** Replaces every `${…}` in `text`; an unclosed `${` is left as it is. */
export function substitute(text: string, resolve: Resolve): string {
  if (!text.includes('${')) return text;
  let out = '';
  let i = 0;
  while (i < text.length) {
    const open = text.indexOf('${', i);
    if (open < 0) break;
    const close = findClose(text, open + 1);
    if (close < 0) break;
    out += text.slice(i, open);
    let ref = substitute(text.slice(open + 2, close), resolve);
    const quote = ref[0] === '"' || ref[0] === "'";
    if (quote) ref = ref.slice(1);
    // `${}` names nothing (Ruote: nil), whatever the resolver would make of ''.
    const rendered = ref.trim() === '' ? '' : renderValue(resolve(ref));
    out += quote ? JSON.stringify(rendered) : rendered;
    if (out.length > MAX_SUBSTITUTED_CHARS) throw new SubstitutionTooLong();
    i = close + 1;
  }
  return out + text.slice(i);
}

// Ruote 2.3 literal references: a whole string "$f:x", "$field:x", "$fld:x", "$v:x", "$var:x",
// "$variable:x" or "$x" (a field) stands for the raw value, not its text.
const LITERAL_VARIABLE = /^\$(?:variable|var|v):([^{}\s$]+)$/;
const LITERAL_FIELD = /^\$(?:field|fld|f):([^{}\s$]+)$/;
// The bare form must start with a letter or '_' (Ruote accepts any key) so that "$100" stays text.
const LITERAL_BARE = /^\$([A-Za-z_][^{}\s$:]*)$/;

/**
 * Like substitute, but when the (substituted) text is exactly one literal reference such as
 * `$f:x` or `$v:x` the raw value (number, array, object, …) is returned. As in Ruote the check
 * runs after `${…}` substitution, so `$f:${v:which}` works. The resolver is asked for "f:x" or
 * "v:x"; a bare `$x` asks for "x". `${f:x}` alone still yields text, as in Ruote.
 */
export function substituteValue(text: string, resolve: Resolve): unknown {
  const s = substitute(text, resolve);
  const v = LITERAL_VARIABLE.exec(s);
  if (v) return resolve(`v:${v[1]}`);
  const f = LITERAL_FIELD.exec(s);
  if (f) return resolve(`f:${f[1]}`);
  const b = LITERAL_BARE.exec(s);
  if (b) return resolve(b[1]!);
  return s;
}
