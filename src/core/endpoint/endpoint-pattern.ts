// Endpoint patterns: `/literal/:param/...`. A parameter matches one non-empty path segment made of
// characters other than ` ;:=#@,/` (the mediator's URL parameter class); literals match exactly.

export const INVALID_URL_PARAMS_MESSAGE =
  'Invalid url parameters specified in pattern, url parameter specification format is "/:<PARAMETER_NAME>"';

// The mediator's MIDDLEWARE_PATH_REGEX body: URI-safe characters only (reserved prefixes are checked apart).
const PATTERN_CHARS = /^\/[\d\w\-$._~/:]+$/;
const PARAM_VALUE = /^[^ ;:=#@,/]+$/;

type Segment = { param: string } | { literal: string };

// A trailing slash is no segment of its own: requests are matched without theirs, so `/x/:id/`
// serves (and duplicates) what `/x/:id` does.
function segments(pattern: string): Segment[] {
  return pattern
    .replace(/^\//, '')
    .replace(/(.)\/$/, '$1')
    .split('/')
    .map((s) => (s.startsWith(':') ? { param: s.slice(1) } : { literal: s }));
}

interface CompiledPattern {
  segments: readonly Segment[];
  literals: number;
}

// Default 1024: patterns kept split (one per endpoint; a miss only splits again).
const PATTERN_CACHE_LIMIT = 1024;
const compiledPatterns = new Map<string, CompiledPattern>();

// PERF: every request matched its candidates' patterns by splitting them again.
function compiled(pattern: string): CompiledPattern {
  let c = compiledPatterns.get(pattern);
  if (c === undefined) {
    if (compiledPatterns.size >= PATTERN_CACHE_LIMIT) compiledPatterns.clear();
    const segs = segments(pattern);
    c = { segments: segs, literals: segs.filter((s) => 'literal' in s).length };
    compiledPatterns.set(pattern, c);
  }
  return c;
}

/** True when the pattern has the allowed characters and does not start with a reserved prefix. */
export function isValidPattern(pattern: string, reservedPrefixes: readonly string[]): boolean {
  if (!PATTERN_CHARS.test(pattern)) return false;
  // Whole segments only: `/ws` reserves `/ws` and `/ws/...` but leaves `/wsdl` free (the mediator's
  // lookahead would also reject `/endpointsX`; with short prefixes such as `/w` that blocks too much).
  return !reservedPrefixes.some((p) => {
    const prefix = p.replace(/\/+$/, '');
    return pattern === prefix || pattern.startsWith(`${prefix}/`);
  });
}

/** `/x/:` and `/x/:/y` (an unnamed parameter) and a name used twice are invalid. */
export function hasValidUrlParams(pattern: string): boolean {
  if (/\/:\//.test(pattern) || pattern.endsWith(':')) return false;
  const names = segments(pattern).flatMap((s) => ('param' in s ? [s.param] : []));
  return new Set(names).size === names.length;
}

/** The message the mediator answers with when a stored pattern already matches the same requests. */
export function duplicatePatternMessage(pattern: string): string {
  return `Duplicate error: regex created from endpoint pattern ${pattern} for matching requests already exists`;
}

function sameSegment(a: Segment, b: Segment): boolean {
  if ('literal' in a && 'literal' in b) return a.literal === b.literal;
  return 'param' in a && 'param' in b;
}

/**
 * True when both patterns match exactly the same requests: parameters in the same places (whatever
 * their names) and equal literals elsewhere — `/a/:id/b/:code` vs `/a/:name/b/:code`. A literal
 * against a parameter is no duplicate: `/a/list` and `/a/:id` coexist and the exact one wins.
 */
export function patternsOverlap(a: string, b: string): boolean {
  const sa = segments(a);
  const sb = segments(b);
  return sa.length === sb.length && sa.every((s, i) => sameSegment(s, sb[i]));
}

function decode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** URL parameters (percent-decoded) when the path matches the pattern, else null. */
export function matchPattern(pattern: string, path: string): Record<string, string> | null {
  const want = compiled(pattern).segments;
  const have = path.replace(/^\//, '').split('/');
  if (want.length !== have.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i];
    if ('literal' in w) {
      if (w.literal !== have[i]) return null;
    } else {
      if (!PARAM_VALUE.test(have[i])) return null;
      params[w.param] = decode(have[i]);
    }
  }
  return params;
}

export interface PatternCandidate {
  endpoint: { pattern: string; method: string };
}

export interface PickedEndpoint<T> {
  definition: T;
  urlParams: Record<string, string>;
}

/**
 * The endpoint serving `method path`: a pattern equal to the path wins; otherwise the parametric
 * match with the most literal segments (the first such when tied). Methods compare case-insensitively.
 */
export function pickEndpoint<T extends PatternCandidate>(
  candidates: Iterable<T>,
  method: string,
  path: string,
): PickedEndpoint<T> | null {
  const m = method.toUpperCase();
  let best: PickedEndpoint<T> | null = null;
  let bestLiterals = -1;
  for (const c of candidates) {
    if (c.endpoint.method.toUpperCase() !== m) continue;
    if (c.endpoint.pattern === path) return { definition: c, urlParams: {} };
    const urlParams = matchPattern(c.endpoint.pattern, path);
    if (!urlParams) continue;
    const literals = compiled(c.endpoint.pattern).literals;
    if (literals > bestLiterals) {
      best = { definition: c, urlParams };
      bestLiterals = literals;
    }
  }
  return best;
}
