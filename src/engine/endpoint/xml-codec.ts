// XML in and out as the mapping mediator does it. In: xml2js with `trim`, no root wrapper
// (`explicitRoot: false`), no single-element arrays (`explicitArray: false`), attributes under `$`,
// text beside attributes under `_`, every value a string. Out: xml2js's Builder — a lone top-level
// key names the root element, otherwise `<root>`; pretty-printed with two spaces.
// Parsing uses fast-xml-parser with entity processing off (no DOCTYPE expansion); the five
// predefined entities and character references are decoded by hand, as a conforming parser does.

import { XMLParser, XMLValidator } from 'fast-xml-parser';

const PREDEFINED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeEntities(value: string): string {
  if (!value.includes('&')) return value;
  return value.replace(/&(#x[0-9a-fA-F]+|#\d+|amp|lt|gt|quot|apos);/g, (whole, ref: string) => {
    if (ref[0] !== '#') return PREDEFINED[ref];
    const code = ref[1] === 'x' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
    try {
      return String.fromCodePoint(code);
    } catch {
      return whole;
    }
  });
}

// fast-xml-parser trims text nodes but not CDATA sections merged into them; xml2js's `trim` trims
// an element's whole text. Attribute values (under `$`) are left to the parser.
function trimText(node: unknown): unknown {
  if (typeof node === 'string') return node.trim();
  if (Array.isArray(node)) return node.map(trimText);
  if (node !== null && typeof node === 'object') {
    const o = node as Record<string, unknown>;
    for (const k of Object.keys(o)) if (k !== '$') o[k] = trimText(o[k]);
  }
  return node;
}

export function createXmlReader(): (text: string) => unknown {
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributesGroupName: '$',
    attributeNamePrefix: '',
    textNodeName: '_',
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: true,
    processEntities: false,
    htmlEntities: false,
    ignoreDeclaration: true,
    ignorePiTags: true,
    tagValueProcessor: (_name, value) => decodeEntities(value),
    attributeValueProcessor: (_name, value) => decodeEntities(value),
  });
  return (text: string) => {
    const valid = XMLValidator.validate(text);
    if (valid !== true) throw new Error(`${valid.err.msg} (line ${valid.err.line}, column ${valid.err.col})`);
    const doc = (text.includes('<![CDATA[') ? trimText(parser.parse(text)) : parser.parse(text)) as Record<string, unknown>;
    const roots = Object.keys(doc);
    // explicitRoot: false — the document is the root element's content.
    return roots.length === 1 ? doc[roots[0]] : doc;
  };
}

function escapeText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#xD;');
}

function escapeAttr(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/"/g, '&quot;')
    .replace(/\t/g, '&#x9;')
    .replace(/\n/g, '&#xA;')
    .replace(/\r/g, '&#xD;');
}

interface XmlElement {
  name: string;
  attrs: Array<[string, string]>;
  children: Array<XmlElement | string>;
}

// XML's Name production (letters, digits, `_ - . :` and the combining ranges), as the builder checks it.
const XML_NAME = /^[\p{L}_:][\p{L}\p{N}\p{M}_:.\-\u00B7]*$/u;

function xmlName(name: string): string {
  if (!XML_NAME.test(name)) throw new Error(`Invalid character in name: ${JSON.stringify(name)}`);
  return name;
}

function element(name: string): XmlElement {
  return { name: xmlName(name), attrs: [], children: [] };
}

function fill(el: XmlElement, value: unknown): XmlElement {
  if (value === null || value === undefined) return el;
  if (typeof value !== 'object') {
    el.children.push(String(value));
    return el;
  }
  if (Array.isArray(value)) {
    for (const child of value) {
      if (child !== null && typeof child === 'object' && !Array.isArray(child)) {
        for (const [key, entry] of Object.entries(child)) el.children.push(fill(element(key), entry));
      } else if (child !== null && child !== undefined) {
        el.children.push(String(child));
      }
    }
    return el;
  }
  for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
    if (key === '$') {
      if (child !== null && typeof child === 'object') {
        for (const [attr, v] of Object.entries(child)) el.attrs.push([xmlName(attr), String(v)]);
      }
    } else if (key === '_') {
      if (child !== null && child !== undefined) el.children.push(String(child));
    } else if (Array.isArray(child)) {
      for (const entry of child) el.children.push(fill(element(key), entry));
    } else {
      el.children.push(fill(element(key), child));
    }
  }
  return el;
}

function print(el: XmlElement, depth: number, out: string[]): void {
  const pad = '  '.repeat(depth);
  const attrs = el.attrs.map(([k, v]) => ` ${k}="${escapeAttr(v)}"`).join('');
  const texts = el.children.filter((c): c is string => typeof c === 'string');
  if (el.children.length === 0 || (texts.length === el.children.length && texts.join('') === '')) {
    out.push(`${pad}<${el.name}${attrs}/>`);
  } else if (texts.length === el.children.length) {
    out.push(`${pad}<${el.name}${attrs}>${escapeText(texts.join(''))}</${el.name}>`);
  } else {
    out.push(`${pad}<${el.name}${attrs}>`);
    for (const c of el.children) {
      if (typeof c === 'string') out.push(`${pad}  ${escapeText(c)}`);
      else print(c, depth + 1, out);
    }
    out.push(`${pad}</${el.name}>`);
  }
}

/** The XML document xml2js's Builder writes for a value. */
export function renderXml(value: unknown): string {
  let rootName = 'root';
  let body = value;
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const keys = Object.keys(value);
    if (keys.length === 1) {
      rootName = keys[0];
      body = (value as Record<string, unknown>)[rootName];
    }
  }
  const out = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'];
  print(fill(element(rootName), body), 0, out);
  return out.join('\n');
}
