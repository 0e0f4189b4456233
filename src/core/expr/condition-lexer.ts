import { ConditionSyntaxError } from './expr-errors.js';

export type Token =
  | { t: 'word'; v: string; pos: number }
  | { t: 'str'; v: string; pos: number }
  | { t: 'regex'; v: string; flags: string; pos: number }
  | { t: 'op'; v: string; pos: number }
  | { t: 'punct'; v: string; pos: number }
  | { t: 'eof'; v: ''; pos: number };

const PUNCT = '()[]{},';
const TWO_CHAR_OPS = ['==', '!=', '>=', '<=', '=~', '&&', '||'];
const SPACE = /\s/;

function startsOperator(s: string, i: number): boolean {
  const two = s.slice(i, i + 2);
  return TWO_CHAR_OPS.includes(two) || two === '=>' || s[i] === '>' || s[i] === '<';
}

function endsWord(s: string, i: number): boolean {
  const c = s[i]!;
  if (SPACE.test(c) || PUNCT.includes(c) || startsOperator(s, i)) return true;
  // "a: 1" in an object literal; "f:x" or "http://x" stay one word.
  return c === ':' && (i + 1 >= s.length || SPACE.test(s[i + 1]!));
}

function readQuoted(s: string, start: number): [string, number] {
  const quote = s[start];
  let out = '';
  for (let i = start + 1; i < s.length; i++) {
    const c = s[i]!;
    if (c === quote) return [out, i + 1];
    if (c === '\\' && i + 1 < s.length) {
      const n = s[++i]!;
      out += n === 'n' ? '\n' : n === 't' ? '\t' : n;
    } else out += c;
  }
  throw new ConditionSyntaxError(`unterminated string starting at column ${start + 1}`);
}

function readRegex(s: string, start: number): [string, string, number] {
  for (let i = start + 1; i < s.length; i++) {
    if (s[i] === '\\') i++;
    else if (s[i] === '/') {
      const flags = /^[a-z]*/.exec(s.slice(i + 1))![0];
      return [s.slice(start + 1, i), flags, i + 1 + flags.length];
    }
  }
  throw new ConditionSyntaxError(`unterminated regular expression starting at column ${start + 1}`);
}

/** Splits condition text into tokens; `pos` is the 0-based offset of each token. */
export function tokenize(s: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (SPACE.test(c)) {
      i++;
      continue;
    }
    const two = s.slice(i, i + 2);
    const prev = out[out.length - 1];
    if (PUNCT.includes(c)) {
      out.push({ t: 'punct', v: c, pos: i });
      i++;
    } else if (two === '=>') {
      out.push({ t: 'punct', v: two, pos: i });
      i += 2;
    } else if (TWO_CHAR_OPS.includes(two)) {
      out.push({ t: 'op', v: two, pos: i });
      i += 2;
    } else if (c === '>' || c === '<' || c === '!') {
      out.push({ t: 'op', v: c, pos: i });
      i++;
    } else if (c === ':') {
      out.push({ t: 'punct', v: c, pos: i });
      i++;
    } else if (c === '"' || c === "'") {
      const [v, next] = readQuoted(s, i);
      out.push({ t: 'str', v, pos: i });
      i = next;
    } else if (c === '/' && prev?.t === 'op' && prev.v === '=~') {
      const [v, flags, next] = readRegex(s, i);
      out.push({ t: 'regex', v, flags, pos: i });
      i = next;
    } else {
      let j = i + 1;
      while (j < s.length && !endsWord(s, j)) j++;
      out.push({ t: 'word', v: s.slice(i, j), pos: i });
      i = j;
    }
  }
  out.push({ t: 'eof', v: '', pos: s.length });
  return out;
}
