// Workitem merging for concurrence branches (ruote's merge.rb).
import type { Fields } from '../types.js';
import { own, putOwn } from '../scope.js';

// Fields come from outside (launches, proceeds): a key `__proto__` is data like any other, so every
// read here is of own properties and every write defines one (a merge must never reach a prototype).

export interface MergeItem {
  fields: Fields;
  index?: number;
  winner?: boolean;
}

function deepMerge(target: Record<string, any>, source: Record<string, any>): Record<string, any> {
  for (const [k, v] of Object.entries(source)) {
    const t = own(target, k);
    putOwn(target, k, isObject(t) && isObject(v) ? deepMerge(t, v) : v);
  }
  return target;
}

function isObject(v: unknown): v is Record<string, any> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

function uniq(a: unknown[]): unknown[] {
  const seen = new Set<string>();
  return a.filter((e) => {
    const k = JSON.stringify(e);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

export function mergeWorkitem(index: number | undefined, target: MergeItem | undefined, source: MergeItem, type: string): MergeItem {
  if (type === 'override') return source;
  if (!target) {
    if (type === 'stack') return { ...source, fields: { stack: [source.fields] } };
    if (type === 'isolate') return { ...source, fields: { [String(index ?? 0)]: source.fields } };
    return source;
  }
  const tf = target.fields;
  switch (type) {
    case 'mix':
      for (const [k, v] of Object.entries(source.fields)) putOwn(tf, k, v);
      break;
    case 'stack':
      (tf.stack as unknown[]).push(source.fields);
      break;
    case 'isolate': {
      const i = index ?? Object.keys(tf).filter((k) => /^\d+$/.test(k)).length;
      tf[String(i)] = source.fields;
      break;
    }
    case 'union': case 'concat': case 'deep':
      for (const [k, sv] of Object.entries(source.fields)) {
        const tv = own(tf, k);
        if (Array.isArray(sv) && Array.isArray(tv)) putOwn(tf, k, type === 'union' ? uniq([...tv, ...sv]) : [...tv, ...sv]);
        else if (isObject(sv) && isObject(tv)) putOwn(tf, k, type === 'deep' ? deepMerge(tv, sv) : { ...tv, ...sv });
        else putOwn(tf, k, sv);
      }
      break;
  }
  return target;
}
