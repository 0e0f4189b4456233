import { positionAt, readFailure } from './reader-errors.js';
import { setOwn } from './tree.js';

// The value grammar of Ruote's Radial reader (lib/ruote/reader/radial.rb): JSON-like values
// written loosely. Each value kind is chosen by its first character, so a malformed value fails
// where it is, with its position, instead of silently becoming a bare word.
//
// Differences from Ruote, each to turn its silent misreadings into errors or the evident reading:
// a number, true/false/null/nil must end at a delimiter (Ruote reads `[1, 2]` as [1, "2"] and
// fails on `nullable`); an unterminated quote is an error, not a bare word; a regex stays on one
// line and keeps its escapes (`/\d+/` stays `/\d+/`, only `\/` becomes `/`); a bare word may hold
// `${f:x}` unquoted.

/** Closing character of the innermost array or object being read, if any. */
type Closer = ']' | '}' | undefined;

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const KEYWORD = /(?:true|false|null|nil)/y;
// Ruote's bare words: anything but whitespace and `: , = [ ] #` (braces are handled in readText).
const TEXT_CHAR = /[^\s:,=[\]#]/;
const DELIMITER = /[\s,\]}#]/;

const STRING_ESCAPES: Record<string, string> = {
  n: '\n', t: '\t', r: '\r', f: '\f', v: '\v', b: '\b', a: '\x07', e: '\x1b', s: ' ', '0': '\0',
  '\n': '',
};

// Default 512: as for JSON trees; bounds the recursion on hostile input.
export const MAX_NESTING = 512;

export class RadialScanner {
  pos = 0;
  private nesting = 0;

  constructor(readonly src: string) {}

  fail(message: string, at = this.pos): never {
    throw readFailure(message, positionAt(this.src, at));
  }

  peek(offset = 0): string {
    return this.src.charAt(this.pos + offset);
  }

  atEnd(): boolean {
    return this.pos >= this.src.length;
  }

  /** Spaces and tabs only: what separates an expression name from its first attribute. */
  skipBlanks(): void {
    while (this.peek() === ' ' || this.peek() === '\t') this.pos++;
  }

  /** Whitespace, newlines and `#` comments: what may surround commas, colons and brackets. */
  skipSpaces(): void {
    for (;;) {
      const c = this.peek();
      if (c === '#') this.skipComment();
      else if (c !== '' && /\s/.test(c)) this.pos++;
      else return;
    }
  }

  skipComment(): void {
    while (!this.atEnd() && this.peek() !== '\n' && this.peek() !== '\r') this.pos++;
  }

  /**
   * An attribute: `key: value` / `key => value` (key a string, regex or bare word), or a bare
   * value, which becomes a key with a null value, as in Ruote. Keys of `key: value` pairs have
   * their dashes turned into underscores (`on-error: x` → `on_error`), regex keys excepted.
   */
  readAttribute(into: Record<string, unknown>): void {
    const start = this.pos;
    const key = this.tryKey(undefined);
    if (key !== undefined) {
      this.skipSpaces();
      if (this.skipSeparator()) {
        this.skipSpaces();
        setOwn(into, key.regex ? key.text : key.text.replace(/-/g, '_'), this.readValue(undefined));
        return;
      }
    }
    this.pos = start;
    const value = this.readValue(undefined);
    setOwn(into, bareKey(value, this.src.slice(start, this.pos)), null);
  }

  readValue(closer: Closer): unknown {
    const c = this.peek();
    if (c === '[' || c === '{') {
      if (++this.nesting > MAX_NESTING) this.fail(`values are nested deeper than ${MAX_NESTING} levels`);
      const v = c === '[' ? this.readArray() : this.readObject();
      this.nesting--;
      return v;
    }
    if (c === '"' || c === "'") return this.readString();
    if (c === '/') {
      const re = this.tryRegex();
      if (re !== undefined) return re;
    }
    const n = this.tryMatch(NUMBER);
    if (n !== undefined) return Number(n);
    const k = this.tryMatch(KEYWORD);
    if (k !== undefined) return k === 'true' ? true : k === 'false' ? false : null;
    const text = this.readText(closer);
    if (text.length === 0) this.fail(this.atEnd() ? 'expected a value, found the end' : `expected a value, found ${quoteChar(c)}`);
    return text;
  }

  private readArray(): unknown[] {
    const open = this.pos;
    this.pos++;
    const out: unknown[] = [];
    this.skipSpaces();
    if (this.peek() === ']') {
      this.pos++;
      return out;
    }
    for (;;) {
      out.push(this.readValue(']'));
      this.skipSpaces();
      if (this.peek() === ',') {
        this.pos++;
        this.skipSpaces();
      } else if (this.peek() === ']') {
        this.pos++;
        return out;
      } else {
        this.failUnclosed('[', open, `expected ',' or ']'`);
      }
    }
  }

  private readObject(): Record<string, unknown> {
    const open = this.pos;
    this.pos++;
    const out: Record<string, unknown> = {};
    this.skipSpaces();
    if (this.peek() === '}') {
      this.pos++;
      return out;
    }
    for (;;) {
      const keyAt = this.pos;
      const key = this.tryKey('}');
      if (key === undefined) this.fail(this.atEnd() ? 'expected a key, found the end' : `expected a key, found ${quoteChar(this.peek())}`);
      this.skipSpaces();
      if (!this.skipSeparator()) this.fail(`expected ':' or '=>' after the key ${JSON.stringify(key.text)}`, this.atEnd() ? keyAt : this.pos);
      this.skipSpaces();
      setOwn(out, key.text, this.readValue('}'));
      this.skipSpaces();
      if (this.peek() === ',') {
        this.pos++;
        this.skipSpaces();
      } else if (this.peek() === '}') {
        this.pos++;
        return out;
      } else {
        this.failUnclosed('{', open, `expected ',' or '}'`);
      }
    }
  }

  private failUnclosed(opener: string, openAt: number, expected: string): never {
    if (this.atEnd()) this.fail(`'${opener}' is never closed`, openAt);
    this.fail(`${expected}, found ${quoteChar(this.peek())}`);
  }

  // Ruote's keys: a string, `null`/`nil` (read as the empty key, as Ruote's nil key serialises),
  // a regex, or a bare word.
  private tryKey(closer: Closer): { text: string; regex: boolean } | undefined {
    const c = this.peek();
    if (c === '"' || c === "'") return { text: this.readString(), regex: false };
    if (c === '/') {
      const re = this.tryRegex();
      if (re !== undefined) return { text: re, regex: true };
    }
    const text = this.readText(closer);
    if (text.length === 0) return undefined;
    return { text: text === 'null' || text === 'nil' ? '' : text, regex: false };
  }

  private skipSeparator(): boolean {
    if (this.peek() === ':') {
      this.pos += 1;
      return true;
    }
    if (this.peek() === '=' && this.peek(1) === '>') {
      this.pos += 2;
      return true;
    }
    return false;
  }

  private readString(): string {
    const open = this.pos;
    const quote = this.src[this.pos++];
    let out = '';
    for (;;) {
      if (this.atEnd()) this.fail(`unterminated string: the ${quote} here is never closed`, open);
      const c = this.src[this.pos++];
      if (c === quote) return out;
      if (c !== '\\') {
        out += c;
        continue;
      }
      if (this.atEnd()) this.fail(`unterminated string: the ${quote} here is never closed`, open);
      out += this.readEscape();
    }
  }

  // Ruote unescapes strings as Ruby double-quoted strings do; an unknown escape is the character.
  private readEscape(): string {
    const e = this.src[this.pos++];
    if (e === '\r' && this.peek() === '\n') {
      this.pos++;
      return '';
    }
    if (e in STRING_ESCAPES) return STRING_ESCAPES[e];
    const hex = e === 'u' ? /\{([0-9a-fA-F]{1,6})\}|([0-9a-fA-F]{4})/y : e === 'x' ? /([0-9a-fA-F]{1,2})/y : undefined;
    if (hex === undefined) return e;
    hex.lastIndex = this.pos;
    const m = hex.exec(this.src);
    if (m === null) this.fail(`invalid \\${e} escape`, this.pos - 2);
    const code = parseInt(m[1] ?? m[2], 16);
    if (code > 0x10ffff) this.fail(`invalid \\${e} escape`, this.pos - 2);
    this.pos = hex.lastIndex;
    return String.fromCodePoint(code);
  }

  // A regex is kept as the string `/…/`, as Ruote does. One that does not close on its line is a
  // bare word (`/tmp`).
  private tryRegex(): string | undefined {
    let i = this.pos + 1;
    let body = '';
    for (; i < this.src.length; i++) {
      const c = this.src[i];
      if (c === '\n' || c === '\r') return undefined;
      if (c === '/') break;
      if (c === '\\' && this.src[i + 1] === '/') {
        body += '/';
        i++;
      } else if (c === '\\' && i + 1 < this.src.length && this.src[i + 1] !== '\n' && this.src[i + 1] !== '\r') {
        body += c + this.src[i + 1];
        i++;
      } else {
        body += c;
      }
    }
    if (i >= this.src.length) return undefined;
    this.pos = i + 1;
    return `/${body}/`;
  }

  private tryMatch(re: RegExp): string | undefined {
    re.lastIndex = this.pos;
    const m = re.exec(this.src);
    if (m === null) return undefined;
    const end = this.pos + m[0].length;
    if (end < this.src.length && !DELIMITER.test(this.src[end])) return undefined;
    this.pos = end;
    return m[0];
  }

  // A bare word never starts with a quote or a brace: those open strings and objects. A `}` is
  // part of a word when it closes a `{` of the same word (`${f}`); inside an object, an unmatched
  // `}` closes the object (`{a: b}`).
  private readText(closer: Closer): string {
    const start = this.pos;
    const first = this.peek();
    if (first === '"' || first === "'" || first === '{') return '';
    let depth = 0;
    while (!this.atEnd()) {
      const c = this.peek();
      // Inside `${…}` any non-blank character belongs to the word, so `${f:x}` needs no quotes
      // (Ruote splits it at the colon).
      if (depth > 0 ? /\s/.test(c) : !TEXT_CHAR.test(c)) break;
      if (c === '{') depth++;
      else if (c === '}') {
        if (depth > 0) depth--;
        else if (closer === '}') break;
      }
      this.pos++;
    }
    return this.src.slice(start, this.pos);
  }
}

// Ruote keys a bare value by the value itself; weft keys by its text (numbers as written).
function bareKey(value: unknown, raw: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return raw;
  if (value === null) return '';
  if (typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

function quoteChar(c: string): string {
  if (c === '\n' || c === '\r') return 'the end of the line';
  return JSON.stringify(c);
}
