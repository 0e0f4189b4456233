import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { positionAt, readFailure } from './reader-errors.js';
import { setOwn, type Tree } from './tree.js';

export interface XmlReadOptions {
  /** Default 1 MiB (1048576): the request body limit; a larger document is refused before parsing. */
  maxBytes?: number;
}

const DEFAULT_MAX_BYTES = 1024 * 1024;

// Entity processing is off: DOCTYPE-declared entities are never expanded (no entity bombs), and
// the five predefined entities and character references are decoded here, as any XML reader must.
const parser = new XMLParser({
  preserveOrder: true,
  captureMetaData: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  allowBooleanAttributes: false,
  parseAttributeValue: false,
  parseTagValue: false,
  processEntities: false,
  htmlEntities: false,
  trimValues: false,
  removeNSPrefix: true,
  cdataPropName: '#cdata',
  commentPropName: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  // Default 100 in fast-xml-parser; 512 as for JSON trees and Radial.
  maxNestedTags: 512,
});
const META = XMLParser.getMetaDataSymbol() as unknown as symbol;

type XmlNode = Record<string, unknown>;

/**
 * Reads an XML definition the way Ruote's XmlReader does: the first element is the root; dashes
 * in element names and attribute keys become underscores (`process-definition` →
 * `process_definition`, `on-error` → `on_error`); attribute values stay strings ("true", "3" are
 * not converted); an element's text, trimmed, becomes a bare attribute (`<echo>hello</echo>` →
 * `["echo", {"hello": null}, []]`), one per text run. Namespace prefixes are dropped, comments and
 * processing instructions ignored. Unlike Ruote, CDATA sections count as text, and a DOCTYPE is
 * refused.
 */
export function readXml(text: string, options: XmlReadOptions = {}): Tree {
  if (typeof text !== 'string') throw readFailure('an XML definition must be a string');
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  if (byteLength(text, maxBytes) > maxBytes) throw readFailure(`XML definition is larger than ${maxBytes} bytes`);

  const valid = XMLValidator.validate(text, { allowBooleanAttributes: false });
  if (valid !== true) {
    const { code, msg, line, col } = valid.err;
    // Several tags left open at the end: the validator names them as a JSON list, at 1:1.
    const open = code === 'InvalidXml' ? /^Invalid '(\[[\s\S]*\])' found\.$/.exec(msg) : null;
    if (open) {
      let names: unknown;
      try {
        names = JSON.parse(open[1]);
      } catch {
        names = null;
      }
      if (Array.isArray(names)) throw readFailure(`Unclosed tags ${names.map((n) => `'${String(n)}'`).join(', ')} at the end of the definition.`, positionAt(text, text.length));
    }
    throw readFailure(msg, { line, column: col });
  }
  const doctype = /<!DOCTYPE/i.exec(text);
  if (doctype) throw readFailure('DOCTYPE declarations are not allowed', positionAt(text, doctype.index));

  let nodes: XmlNode[];
  try {
    nodes = parser.parse(text) as XmlNode[];
  } catch (e) {
    throw readFailure(e instanceof Error ? e.message : String(e));
  }
  const roots = nodes.filter((n) => elementName(n) !== undefined);
  if (roots.length === 0) throw readFailure('no root element');
  if (roots.length > 1) {
    const name = elementName(roots[1]) as string;
    throw readFailure(`more than one root element (a second one, <${name}>, follows the first)`, startOf(text, roots[1]));
  }
  return toTree(roots[0]);
}

function toTree(node: XmlNode): Tree {
  const rawName = elementName(node) as string;
  const attributes: Record<string, unknown> = {};
  const raw = node[':@'] as Record<string, string> | undefined;
  if (raw) for (const [k, v] of Object.entries(raw)) setOwn(attributes, k.replace(/-/g, '_'), decodeEntities(v));
  const children: Tree[] = [];
  for (const child of node[rawName] as XmlNode[]) {
    if (elementName(child) !== undefined) children.push(toTree(child));
    else addText(attributes, textOf(child));
  }
  return [rawName.replace(/-/g, '_'), attributes, children];
}

function addText(attributes: Record<string, unknown>, text: string | undefined): void {
  const t = text === undefined ? '' : decodeEntities(text).trim();
  if (t.length > 0) setOwn(attributes, t, null);
}

function textOf(node: XmlNode): string | undefined {
  if (typeof node['#text'] === 'string') return node['#text'];
  const cdata = node['#cdata'];
  if (Array.isArray(cdata)) return cdata.map((c: XmlNode) => String(c['#text'] ?? '')).join('');
  return undefined;
}

function elementName(node: XmlNode): string | undefined {
  for (const key of Object.keys(node)) {
    if (key !== ':@' && key !== '#text' && key !== '#cdata') return key;
  }
  return undefined;
}

function startOf(text: string, node: XmlNode): { line: number; column: number } | undefined {
  const meta = (node as Record<symbol, { startIndex?: number } | undefined>)[META];
  return meta?.startIndex === undefined ? undefined : positionAt(text, meta.startIndex);
}

const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

// Unknown named entities are left as written: with DOCTYPEs refused they cannot be declared.
function decodeEntities(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[A-Za-z]+);/g, (whole, ref: string) => {
    if (ref[0] !== '#') return PREDEFINED[ref] ?? whole;
    const code = ref[1] === 'x' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}

// Exact UTF-8 length only when the string could be over the cap (a UTF-16 unit is at most 3 bytes).
function byteLength(s: string, cap: number): number {
  if (s.length * 3 <= cap) return s.length;
  return new TextEncoder().encode(s).length;
}
