// Recursive-descent parser for the condition language (Ruote 2.3 Condition, without Ruby):
//   or   := and (('or' | '||') and)*
//   and  := not (('and' | '&&') not)*          — 'and' binds tighter than 'or'
//   not  := ('not' | '!') not | test
//   test := operand [cmp operand | ['is'] ['not'] ('set' | 'empty' | 'null' | 'in' operand)]
//   operand := '(' or ')' | [list] | {object} | "string" | 'string' | /regex/ | word+ | nothing
// A /regex/ is read only right after '=~'; elsewhere "Loan/Grant" or "/x/" is a word.
// Consecutive bare words form one string ("some dude == 'some dude'"). An operand may be empty
// because an unknown `${…}` substitutes to '': "${f:x} is set" becomes " is set" (false).
import { refuseUserRegExp } from '../user-regexp.js';
import { tokenize, type Token } from './condition-lexer.js';
import { ConditionSyntaxError } from './expr-errors.js';

export type Literal = null | boolean | number | string | Literal[] | { [key: string]: Literal };
export type TestKind = 'set' | 'empty' | 'null' | 'in';

export type Node =
  | { k: 'lit'; v: Literal }
  | { k: 'missing' }
  | { k: 'regex'; src: string; flags: string }
  | { k: 'list'; items: Node[] }
  | { k: 'object'; entries: [Node, Node | null][] }
  | { k: 'group'; e: Node }
  | { k: 'not'; e: Node }
  | { k: 'and' | 'or'; l: Node; r: Node }
  | { k: 'cmp'; op: string; l: Node; r: Node }
  | { k: 'test'; test: TestKind; neg: boolean; e: Node; list: Node | null };

const CMP = ['==', '!=', '>', '>=', '<', '<=', '=~'];
const TESTS = ['set', 'empty', 'null', 'in'];
const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;
const MISSING: Node = { k: 'missing' };

function describe(t: Token): string {
  if (t.t === 'eof') return 'end of condition';
  if (t.t === 'str') return `${JSON.stringify(t.v)} at column ${t.pos + 1}`;
  return `'${t.v}' at column ${t.pos + 1}`;
}

// Default 100: how deep parentheses, lists, objects and `not`s may nest. The parser (and the
// evaluator after it) recurse once per level; past this a condition is refused, not a stack overflow.
const MAX_NESTING = 100;

class Parser {
  private i = 0;
  private depth = 0;
  constructor(
    private readonly tokens: Token[],
    /** Strict: an empty operand is an error (written text, not substituted text). */
    private readonly strict: boolean,
  ) {}

  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.i + offset, this.tokens.length - 1)]!;
  }
  private next(): Token {
    return this.tokens[this.i++]!;
  }
  private isWord(t: Token, ...words: string[]): boolean {
    return t.t === 'word' && words.includes(t.v);
  }
  private isPunct(t: Token, p: string): boolean {
    return t.t === 'punct' && t.v === p;
  }

  parse(): Node {
    const e = this.parseBinary('or');
    const t = this.peek();
    if (t.t !== 'eof') {
      if (this.isPunct(t, ')')) throw new ConditionSyntaxError(`unbalanced parentheses: unexpected ')' at column ${t.pos + 1}`);
      throw new ConditionSyntaxError(`unexpected ${describe(t)}`);
    }
    return e;
  }

  private parseBinary(kind: 'or' | 'and'): Node {
    const symbol = kind === 'or' ? '||' : '&&';
    const sub = (): Node => (kind === 'or' ? this.parseBinary('and') : this.parseNot());
    let l = sub();
    for (;;) {
      const t = this.peek();
      if (!this.isWord(t, kind) && !(t.t === 'op' && t.v === symbol)) return l;
      this.next();
      if (l.k === 'missing') throw new ConditionSyntaxError(`missing value before '${t.v}' at column ${t.pos + 1}`);
      const r = sub();
      if (r.k === 'missing') throw new ConditionSyntaxError(`dangling operator '${t.v}' at column ${t.pos + 1}`);
      l = { k: kind, l, r };
    }
  }

  private nested(parse: () => Node): Node {
    if (++this.depth > MAX_NESTING) throw new ConditionSyntaxError(`nested deeper than ${MAX_NESTING} levels`);
    try {
      return parse();
    } finally {
      this.depth--;
    }
  }

  private parseNot(): Node {
    const t = this.peek();
    if (this.isWord(t, 'not') || (t.t === 'op' && t.v === '!')) {
      this.next();
      const e = this.nested(() => this.parseNot());
      if (e.k === 'missing') throw new ConditionSyntaxError(`dangling operator '${t.v}' at column ${t.pos + 1}`);
      return { k: 'not', e };
    }
    return this.parseTest();
  }

  private startsTest(): boolean {
    const t = this.peek();
    if (this.isWord(t, 'is', ...TESTS)) return true;
    return this.isWord(t, 'not') && this.isWord(this.peek(1), ...TESTS);
  }

  private parseTest(): Node {
    const l = this.parseOperand();
    const t = this.peek();
    if (t.t === 'op' && CMP.includes(t.v)) {
      this.next();
      const r = this.parseOperand();
      if (this.strict && (l.k === 'missing' || r.k === 'missing')) {
        throw new ConditionSyntaxError(`dangling operator '${t.v}' at column ${t.pos + 1}`);
      }
      return { k: 'cmp', op: t.v, l, r };
    }
    if (this.startsTest()) return this.parseTestSuffix(l);
    return l;
  }

  private parseTestSuffix(e: Node): Node {
    const start = this.peek();
    if (this.isWord(start, 'is')) this.next();
    let neg = false;
    if (this.isWord(this.peek(), 'not')) {
      this.next();
      neg = true;
    }
    const t = this.next();
    if (!this.isWord(t, ...TESTS)) {
      throw new ConditionSyntaxError(`expected 'set', 'empty', 'null' or 'in' after 'is' at column ${start.pos + 1}, found ${describe(t)}`);
    }
    if (this.strict && e.k === 'missing') throw new ConditionSyntaxError(`missing value before '${start.v}' at column ${start.pos + 1}`);
    let list: Node | null = null;
    if (t.v === 'in') {
      list = this.parseOperand();
      if (list.k === 'missing' && (this.strict || this.peek().t !== 'eof')) {
        throw new ConditionSyntaxError(`expected a list after 'in' at column ${t.pos + 1}`);
      }
    }
    return { k: 'test', test: t.v as TestKind, neg, e, list };
  }

  private parseOperand(): Node {
    const t = this.peek();
    if (t.t === 'punct') {
      if (t.v === '(') return this.nested(() => this.parseGroup());
      if (t.v === '[') return this.nested(() => this.parseList());
      if (t.v === '{') return this.nested(() => this.parseObject());
      return MISSING;
    }
    if (t.t === 'str') {
      this.next();
      return { k: 'lit', v: t.v };
    }
    if (t.t === 'regex') {
      this.next();
      const refused = refuseUserRegExp(t.v, t.flags);
      if (refused) throw new ConditionSyntaxError(`invalid regular expression /${t.v}/${t.flags}: ${refused}`);
      return { k: 'regex', src: t.v, flags: t.flags };
    }
    if (t.t !== 'word' || this.isWord(t, 'and', 'or', 'not', 'is', 'set', 'empty', 'in')) return MISSING;
    const words: string[] = [];
    while (this.peek().t === 'word' && !this.isWord(this.peek(), 'and', 'or', 'is') && !(words.length > 0 && this.startsTest())) {
      words.push(this.next().v);
    }
    return { k: 'lit', v: words.length === 1 ? wordValue(words[0]!) : words.join(' ') };
  }

  private parseGroup(): Node {
    const open = this.next();
    const e = this.parseBinary('or');
    if (e.k === 'missing' && this.isPunct(this.peek(), ')')) throw new ConditionSyntaxError(`empty parentheses at column ${open.pos + 1}`);
    const close = this.peek();
    if (!this.isPunct(close, ')')) {
      throw new ConditionSyntaxError(`unbalanced parentheses: missing ')' for '(' at column ${open.pos + 1}, found ${describe(close)}`);
    }
    this.next();
    return { k: 'group', e };
  }

  private parseItems(close: string, item: () => void): void {
    const open = this.next();
    if (this.isPunct(this.peek(), close)) {
      this.next();
      return;
    }
    for (;;) {
      item();
      const t = this.next();
      if (this.isPunct(t, close)) return;
      if (!this.isPunct(t, ',')) throw new ConditionSyntaxError(`expected ',' or '${close}' in the list opened at column ${open.pos + 1}, found ${describe(t)}`);
    }
  }

  private parseListItem(): Node {
    const t = this.peek();
    const item = this.parseOperand();
    if (item.k === 'missing') throw new ConditionSyntaxError(`missing list item at ${describe(t)}`);
    return item;
  }

  private parseList(): Node {
    const items: Node[] = [];
    this.parseItems(']', () => items.push(this.parseListItem()));
    return { k: 'list', items };
  }

  private parseObject(): Node {
    const entries: [Node, Node | null][] = [];
    this.parseItems('}', () => {
      const key = this.parseListItem();
      const sep = this.peek();
      if (this.isPunct(sep, ':') || this.isPunct(sep, '=>')) {
        this.next();
        entries.push([key, this.parseListItem()]);
      } else entries.push([key, null]);
    });
    return { k: 'object', entries };
  }
}

function wordValue(w: string): Literal {
  if (w === 'true') return true;
  if (w === 'false') return false;
  if (w === 'nil' || w === 'null') return null;
  if (NUMBER.test(w)) return Number(w);
  return w;
}

/** Parses condition text (already substituted); throws ConditionSyntaxError. */
export function parseCondition(text: string, strict: boolean): Node {
  const unescaped = text.replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&amp;', '&');
  return new Parser(tokenize(unescaped), strict).parse();
}
