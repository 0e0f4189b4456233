// The workflows API v1 shapes (issue 4) as the dashboard reads them.

export type Tree = [string, Record<string, unknown>, Tree[]];

export interface ProcessSummary {
  id: string;
  name: string | null;
  revision: number | string | null;
  definition: string | null;
  status: 'running' | 'completed' | 'cancelled' | 'error';
  paused: boolean;
  launched_at: string;
  ended_at: string | null;
}

export interface Delivery {
  state: string;
  attempts: number;
  next_attempt_at: string | null;
  last_error: string | null;
}

export interface Workitem {
  workitem_id: string;
  participant: string;
  fields: Record<string, unknown>;
  proceed_url: string | null;
  dispatched_at: string;
  delivery: Delivery | null;
}

export interface ProcessDetail extends ProcessSummary {
  fields: Record<string, unknown>;
  variables: Record<string, unknown>;
  workitems: Workitem[];
  errors: Array<{ id: string; expid: string; message: string; at: string }>;
  tree: Tree;
  trace: string[];
}

/** The expression id in a workitem id (`expid!subid!wfid`), e.g. "0_1_0". */
export const expidOf = (workitemId: string) => workitemId.split('!')[0];

/** Attribute text as Radial writes it: bare keys alone, the rest as key: value. */
export function attributesText(attrs: Record<string, unknown>): string {
  return Object.entries(attrs)
    .map(([k, v]) => (v === null ? k : `${k}: ${typeof v === 'string' ? JSON.stringify(v) : JSON.stringify(v)}`))
    .join(', ');
}

/** Matches "key=value" searches against the workitem fields (string comparison, dotted keys). */
export function fieldMatches(fields: Record<string, unknown>, query: string): boolean {
  const eq = query.indexOf('=');
  if (eq < 0) return false;
  const key = query.slice(0, eq).trim();
  const want = query.slice(eq + 1).trim();
  let v: unknown = fields;
  for (const part of key.split('.')) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[part] : undefined;
  return v !== undefined && (typeof v === 'string' ? v : JSON.stringify(v)) === want;
}
