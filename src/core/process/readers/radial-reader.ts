import { positionAt, readFailure } from './reader-errors.js';
import { MAX_NESTING, RadialScanner } from './radial-scanner.js';
import { normaliseName, type Tree } from './tree.js';

interface Node {
  depth: number;
  indentation: number;
  parent: Node | undefined;
  tree: Tree;
}

/**
 * Reads a Radial definition, following Ruote's Radial reader:
 *
 *     define name: 'x'            # a comment
 *       sequence
 *         participant alpha, timeout: 2d
 *         concurrent-iterator on: [a, b], to_f: who
 *           participant "${f:who}"
 *
 * One expression per line: a name, then attributes separated by a comma (the first may follow
 * the name after blanks). A bare attribute (`alpha`, `"${f:x} == 1"`, `2s`) becomes a key with
 * a null value; several bare attributes are several keys. A line may continue after a comma,
 * after `key:`, and inside `[…]`, `{…}` and strings. Lowercase-dash names are underscored.
 * Nesting follows indentation in spaces: a deeper line is a child of the line before; a
 * shallower one climbs to the nearest ancestor indented less (Ruote's lenient rule).
 * Errors (tab indentation, a second root, a malformed value) carry their line and column.
 */
export function readRadial(text: string): Tree {
  if (typeof text !== 'string') throw readFailure('a Radial definition must be a string');
  const s = new RadialScanner(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  const root: Node = { depth: 0, indentation: -1, parent: undefined, tree: ['', {}, []] };
  let current = root;

  while (!s.atEnd()) {
    const lineStart = s.pos;
    while (s.peek() === ' ') s.pos++;
    const indentation = s.pos - lineStart;
    s.skipBlanks();
    if (s.atEnd() || isEol(s.peek()) || s.peek() === '#') {
      s.skipComment();
      skipEol(s);
      continue;
    }
    if (s.pos > lineStart + indentation) s.fail('tab in indentation: indent with spaces', lineStart + indentation);

    const exprAt = s.pos;
    const tree = readLine(s);

    let parent = current;
    if (indentation === current.indentation) {
      parent = current.parent as Node;
    } else if (indentation < current.indentation) {
      while (indentation <= parent.indentation) parent = parent.parent as Node;
    }
    if (parent === root && root.tree[2].length > 0) {
      throw readFailure(
        `a second root expression "${tree[0]}": a definition has one expression at its outermost indentation`,
        positionAt(s.src, exprAt),
      );
    }
    if (parent.depth >= MAX_NESTING) s.fail(`expressions are nested deeper than ${MAX_NESTING} levels`, exprAt);
    const node: Node = { depth: parent.depth + 1, indentation, parent, tree };
    parent.tree[2].push(tree);
    current = node;
  }

  const top = root.tree[2][0];
  if (top === undefined) throw readFailure('no expression found in the Radial definition', { line: 1, column: 1 });
  return top;
}

function readLine(s: RadialScanner): Tree {
  const nameAt = s.pos;
  while (!s.atEnd() && !/[\s#"',]/.test(s.peek())) s.pos++;
  const name = s.src.slice(nameAt, s.pos);
  if (name.length === 0) s.fail(`expected an expression name, found ${JSON.stringify(s.peek())}`);
  if (name.endsWith(':')) {
    s.fail(`expected an expression name, found the attribute "${name}" (does the line before lack a trailing comma?)`, nameAt);
  }

  const attributes: Record<string, unknown> = {};
  const afterName = s.pos;
  s.skipBlanks();
  if (s.peek() === ',') {
    s.pos++;
    s.skipSpaces();
    s.readAttribute(attributes);
  } else if (s.pos > afterName && !s.atEnd() && !isEol(s.peek()) && s.peek() !== '#') {
    s.readAttribute(attributes);
  }
  for (;;) {
    const before = s.pos;
    s.skipSpaces();
    if (s.peek() !== ',') {
      s.pos = before;
      break;
    }
    s.pos++;
    s.skipSpaces();
    s.readAttribute(attributes);
  }

  s.skipBlanks();
  if (s.peek() === '#') s.skipComment();
  if (!s.atEnd() && !isEol(s.peek())) {
    s.fail(`unexpected ${JSON.stringify(s.peek())}: attributes are separated by commas`);
  }
  skipEol(s);
  return [normaliseName(name), attributes, []];
}

function isEol(c: string): boolean {
  return c === '\n' || c === '\r';
}

function skipEol(s: RadialScanner): void {
  if (s.peek() === '\r') s.pos++;
  if (s.peek() === '\n') s.pos++;
}
