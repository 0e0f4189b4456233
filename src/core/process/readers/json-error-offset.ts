// Where a JSON text first goes wrong. JSON.parse on Node 20 gives no position for some errors
// ("Unexpected token '}', … is not valid JSON"), so a failed parse is re-scanned here, only to
// point at the offending character. Grammar: RFC 8259.

const WS = /[ \t\n\r]*/y;
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;
const LITERAL = /true|false|null/y;

class Bad {
  constructor(readonly at: number) {}
}

/** The offset of the first character that makes `text` invalid JSON, or undefined if it is valid. */
export function jsonErrorOffset(text: string): number | undefined {
  try {
    let i = value(text, ws(text, 0));
    i = ws(text, i);
    return i < text.length ? i : undefined;
  } catch (e) {
    if (e instanceof Bad) return e.at;
    // A text nested deep enough to exhaust the stack here gets no position.
    if (e instanceof RangeError) return undefined;
    throw e;
  }
}

/**
 * The offset of the value reached from the top by array indexes (`[2, 0]`: the first element of the
 * top array's third) in valid JSON text; undefined when the path leads nowhere.
 */
export function arrayPathOffset(text: string, path: readonly number[]): number | undefined {
  try {
    let i = ws(text, 0);
    for (const index of path) {
      if (text[i] !== '[') return undefined;
      i = ws(text, i + 1);
      for (let n = 0; n < index; n++) {
        i = ws(text, value(text, i));
        if (text[i] !== ',') return undefined;
        i = ws(text, i + 1);
      }
    }
    return i < text.length ? i : undefined;
  } catch {
    return undefined;
  }
}

function ws(s: string, i: number): number {
  WS.lastIndex = i;
  WS.exec(s);
  return WS.lastIndex;
}

function token(re: RegExp, s: string, i: number): number {
  re.lastIndex = i;
  if (re.exec(s) === null) throw new Bad(i);
  return re.lastIndex;
}

function value(s: string, i: number): number {
  const c = s[i];
  if (c === '{') return container(s, i, '}', true);
  if (c === '[') return container(s, i, ']', false);
  if (c === '"') return string(s, i);
  if (c === '-' || (c >= '0' && c <= '9')) return token(NUMBER, s, i);
  return token(LITERAL, s, i);
}

function string(s: string, i: number): number {
  STRING.lastIndex = i;
  if (STRING.exec(s) !== null) return STRING.lastIndex;
  // Point at the character that breaks the string: a control character, a bad escape, or the end.
  for (let j = i + 1; j < s.length; j++) {
    const c = s.charCodeAt(j);
    if (c < 0x20) throw new Bad(j);
    if (s[j] === '\\') {
      if (!/["\\/bfnrtu]/.test(s[j + 1] ?? '')) throw new Bad(j);
      j++;
    }
  }
  throw new Bad(s.length);
}

function container(s: string, i: number, close: string, keyed: boolean): number {
  i = ws(s, i + 1);
  if (s[i] === close) return i + 1;
  for (;;) {
    if (keyed) {
      if (s[i] !== '"') throw new Bad(i);
      i = ws(s, string(s, i));
      if (s[i] !== ':') throw new Bad(i);
      i = ws(s, i + 1);
    }
    i = ws(s, value(s, i));
    if (s[i] === ',') i = ws(s, i + 1);
    else if (s[i] === close) return i + 1;
    else throw new Bad(i);
  }
}
