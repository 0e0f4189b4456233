import sjson from 'secure-json-parse';
import { defineError } from './errors.js';

// Input weft refuses on every route and socket, before anything reads it:
// - JSON nested deeper than MAX_JSON_DEPTH levels: JSON.parse takes any depth, but the recursive code
//   after it (JSON.stringify, structuredClone, the interpreters, ajv) runs out of stack a few
//   thousand levels down, which would be a 500 (the process definitions' reader has the same limit);
// - the character U+0000: PostgreSQL's text cannot hold it (a request carrying it would fail in the
//   database, and take the other requests of its group commit with it). SQLite could store it, but
//   it is refused there too, so that what one backend accepts the other does;
// - a lone UTF-16 surrogate escape (`"\ud800"`), for the same reason (jsonHasLoneSurrogate);
// - a number beyond the range of a double (`1e400`): JSON.parse reads it as Infinity, which is
//   stored as null — a value changed silently (jsonHasHugeNumber).

export const MAX_JSON_DEPTH = 512;

export const NUL_REFUSED = 'the character U+0000 is not accepted';
export const DEPTH_REFUSED = `input nested deeper than ${MAX_JSON_DEPTH} levels is not accepted`;

export const LONE_SURROGATE_REFUSED = 'a lone UTF-16 surrogate (an unpaired \\ud800-\\udfff escape) is not accepted';
export const HUGE_NUMBER_REFUSED = 'a number beyond the range of a double (such as 1e400) is not accepted';
export const PROTOTYPE_REFUSED = 'a key named __proto__ (or constructor.prototype) is not accepted';

export const InputRefused = defineError('WEFT_INPUT_REFUSED', 400, (reason: string) => reason);

// JSON parsed as Fastify parses bodies (secure-json-parse): a key `__proto__`, or `constructor`
// holding `prototype`, is an error — such keys are how data reaches an object's prototype.
const POISON = { protoAction: 'error', constructorAction: 'error' } as const;

/**
 * JSON.parse, refusing prototype keys (PERF: the text is only scanned for them, and the value only
 * walked, when it holds one). Throws PoisonedJson for those, SyntaxError for text that is not JSON.
 */
export function parseJsonRefusingPrototypes(text: string): unknown {
  try {
    return sjson.parse(text, null, POISON);
  } catch (e) {
    if (e instanceof SyntaxError && e.message === 'Object contains forbidden prototype property') throw new PoisonedJson();
    throw e;
  }
}

export class PoisonedJson extends Error {
  constructor() {
    super(PROTOTYPE_REFUSED);
  }
}

/** At most `max` opening brackets in all (then no nesting can be deeper): found natively, a jump each. */
function fewBrackets(text: string, max: number): boolean {
  let n = 0;
  for (const bracket of ['{', '[']) {
    for (let i = text.indexOf(bracket); i >= 0; i = text.indexOf(bracket, i + 1)) if (++n > max) return false;
  }
  return true;
}

/**
 * Deeper than `max` levels of arrays and objects (the text need not be valid JSON). PERF: most
 * bodies and frames have too few brackets to reach `max` (an 8.6 KB frame of 100 completions: ~2.5
 * µs to know it, against ~45 for a character loop); others are scanned skipping their strings with
 * indexOf (a 1,000-task batch, 80 KB: ~240 µs, a third of its JSON.parse).
 */
export function jsonDeeperThan(text: string, max = MAX_JSON_DEPTH): boolean {
  if (text.length <= max || fewBrackets(text, max)) return false;
  const n = text.length;
  let depth = 0;
  for (let i = 0; i < n; ) {
    const c = text.charCodeAt(i++);
    if (c === 0x22) {
      // A string: to its closing quote, one not escaped (preceded by an even number of backslashes).
      for (;;) {
        const q = text.indexOf('"', i);
        if (q < 0) return false;
        let backslashes = 0;
        while (text.charCodeAt(q - 1 - backslashes) === 0x5c) backslashes++;
        i = q + 1;
        if (backslashes % 2 === 0) break;
      }
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

/** A `\u0000` escape in JSON text (not an escaped backslash followed by `u0000`), or a raw NUL. */
function jsonHasNul(text: string): boolean {
  if (text.includes('\0')) return true;
  for (let i = text.indexOf('\\u0000'); i >= 0; i = text.indexOf('\\u0000', i + 1)) {
    let backslashes = 1;
    while (i - backslashes >= 0 && text.charCodeAt(i - backslashes) === 0x5c) backslashes++;
    if (backslashes % 2 === 1) return true;
  }
  return false;
}

const HEX4 = /^[0-9a-fA-F]{4}$/;

/**
 * A `\uXXXX` escape of a UTF-16 surrogate that is not half of a pair (`"\ud800"`). I-JSON (RFC
 * 7493) refuses them: text columns turned one into U+FFFD (PostgreSQL) or three (SQLite), so two
 * distinct values collided on one backend and not on the other. PERF: bodies without a `\u`
 * escape cost one native scan.
 */
function jsonHasLoneSurrogate(text: string): boolean {
  for (let i = text.indexOf('\\u'); i >= 0; i = text.indexOf('\\u', i + 2)) {
    // An escape only when the backslash is not itself escaped (an odd run of backslashes).
    let backslashes = 1;
    while (i - backslashes >= 0 && text.charCodeAt(i - backslashes) === 0x5c) backslashes++;
    if (backslashes % 2 === 0) continue;
    const hex = text.slice(i + 2, i + 6);
    if (!HEX4.test(hex)) continue;
    const unit = parseInt(hex, 16);
    if (unit < 0xd800 || unit > 0xdfff) continue;
    if (unit >= 0xdc00) return true;
    // A high surrogate: its low half must follow at once.
    const next = text.slice(i + 6, i + 12);
    if (next[0] !== '\\' || next[1] !== 'u' || !HEX4.test(next.slice(2))) return true;
    const low = parseInt(next.slice(2), 16);
    if (low < 0xdc00 || low > 0xdfff) return true;
    i += 6;
  }
  return false;
}

// What could overflow a double: a number with an exponent of three digits or more, or 309 digits in a
// row. Strings may match too (neither skips them): the value is then parsed to know. The first
// expression is a quick scan that hex text matches too (a UUID one time in four); the second, run
// only then, wants a whole JSON number after a delimiter.
const HUGE_EXPONENT = /[0-9][eE]\+?0*[1-9][0-9]{2}/;
const HUGE_EXPONENT_NUMBER = /(?:^|[:,[\s])-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?[eE]\+?0*[1-9][0-9]{2}/;
const RUN = 309;

const isDigit = (text: string, i: number) => {
  const c = text.charCodeAt(i);
  return c >= 0x30 && c <= 0x39;
};

/**
 * Whether the text holds 309 digits in a row. PERF: such a run covers a multiple of 309, so only the
 * characters there are read (21 of a 6.5 KB frame), and the run around each that is a digit.
 */
function hasLongDigits(text: string): boolean {
  for (let i = RUN - 1; i < text.length; i += RUN) {
    if (!isDigit(text, i)) continue;
    let start = i;
    let end = i + 1;
    while (start > 0 && isDigit(text, start - 1)) start--;
    while (end < text.length && isDigit(text, end)) end++;
    if (end - start >= RUN) return true;
  }
  return false;
}

/**
 * A number JSON.parse reads as Infinity or -Infinity. PERF: on a 100 KB body of 1,000 tasks ~25 µs,
 * on a 6.5 KB frame of 100 completions ~1 µs. (One expression for both took 31 ms on 60 KB of digit
 * strings; an expression for the digits alone ~100 µs on the 100 KB body.)
 */
function jsonHasHugeNumber(text: string): boolean {
  const exponent = HUGE_EXPONENT.test(text) && HUGE_EXPONENT_NUMBER.test(text);
  if (!exponent && !hasLongDigits(text)) return false;
  let huge = false;
  try {
    JSON.parse(text, (_key, value: unknown) => {
      if (typeof value === 'number' && !Number.isFinite(value)) huge = true;
      return value;
    });
  } catch {
    // Not JSON: its parser will say so.
  }
  return huge;
}

/** Why JSON text is refused, or null. */
export function refuseJsonText(text: string): string | null {
  if (jsonHasNul(text)) return NUL_REFUSED;
  if (jsonHasLoneSurrogate(text)) return LONE_SURROGATE_REFUSED;
  if (jsonHasHugeNumber(text)) return HUGE_NUMBER_REFUSED;
  if (jsonDeeperThan(text)) return DEPTH_REFUSED;
  return null;
}

/** Why URL-encoded text (a query string, a form body, a path) is refused, or null. */
export function refuseUrlEncoded(text: string): string | null {
  return text.includes('%00') || text.includes('\0') ? NUL_REFUSED : null;
}
