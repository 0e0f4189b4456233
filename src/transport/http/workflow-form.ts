// Form-encoded bodies (parsed by fast-querystring in body-parsers.ts) arrive flat: `callbacks[alpha]=…`, `fields[a][b]=…`,
// `tags[]=x`. The workflows API reads them as the nested objects a JSON body would carry.

import { DEPTH_REFUSED, InputRefused, MAX_JSON_DEPTH } from '../../core/input-limits.js';

const BRACKETS = /^([^[\]]+)((?:\[[^[\]]*\])+)$/;
const UNSAFE = new Set(['__proto__', 'prototype', 'constructor']);

type Node = Record<string, unknown> | unknown[];

export function nestFormBody(flat: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(flat)) {
    const m = BRACKETS.exec(key);
    const path = m ? [m[1], ...m[2].slice(1, -1).split('][')] : [key];
    if (path.length > MAX_JSON_DEPTH) throw InputRefused(DEPTH_REFUSED);
    if (path.some((p) => UNSAFE.has(p))) continue;
    let node: Node = out;
    for (let i = 0; i < path.length; i++) {
      const part = path[i];
      const last = i === path.length - 1;
      if (Array.isArray(node)) {
        if (last) {
          if (Array.isArray(value)) node.push(...value);
          else node.push(value);
          break;
        }
        const child: Node = path[i + 1] === '' ? [] : {};
        node.push(child);
        node = child;
        continue;
      }
      if (last) {
        node[part] = value;
        break;
      }
      const existing = node[part];
      const wantArray = path[i + 1] === '';
      if (typeof existing !== 'object' || existing === null || Array.isArray(existing) !== wantArray) node[part] = wantArray ? [] : {};
      node = node[part] as Node;
    }
  }
  return out;
}

/** The body as an object: JSON as is, form-encoded nested by its bracket keys. */
export function readBody(body: unknown, contentType: string | undefined): unknown {
  if (contentType?.startsWith('application/x-www-form-urlencoded') && typeof body === 'object' && body !== null) {
    return nestFormBody(body as Record<string, unknown>);
  }
  return body;
}
