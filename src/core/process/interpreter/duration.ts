// Durations and points in time as ruote (rufus-scheduler) reads them: "2s", "1h30m", "2d",
// "1.5" (a bare decimal is seconds), "100" (a bare integer is milliseconds, as in rufus),
// or an absolute time ("2026-11-28T10:00:00Z").

const UNIT_MS: Record<string, number> = {
  y: 365 * 24 * 3600_000, M: 30 * 24 * 3600_000, w: 7 * 24 * 3600_000, d: 24 * 3600_000,
  h: 3600_000, m: 60_000, s: 1000, ms: 1,
};

/** Milliseconds for a duration string, or undefined when it is not one. */
export function parseDuration(input: unknown): number | undefined {
  if (typeof input === 'number') return Number.isInteger(input) ? input : input * 1000;
  if (typeof input !== 'string') return undefined;
  const s = input.trim();
  if (s === '') return undefined;
  if (/^-?\d*\.\d+$/.test(s)) return Math.round(parseFloat(s) * 1000);
  if (/^-?\d+$/.test(s)) return parseInt(s, 10);
  const re = /(\d+(?:\.\d+)?)\s*(ms|[yMwdhms])/g;
  let total = 0;
  let consumed = '';
  for (let m = re.exec(s); m; m = re.exec(s)) {
    total += parseFloat(m[1]) * UNIT_MS[m[2]];
    consumed += m[0];
  }
  if (consumed.replace(/\s/g, '') !== s.replace(/\s/g, '')) return undefined;
  return Math.round(total);
}

/** Absolute due time (ms since epoch) for a duration or an absolute time, relative to now. */
export function parseDueAt(input: unknown, now: number): number | undefined {
  const d = parseDuration(input);
  if (d !== undefined) return now + d;
  return typeof input === 'string' ? parseAbsoluteTime(input) : undefined;
}

// "2026-11-28", "2026-11-28T10:00:00Z", "2026-11-28 10:00:00 +0900" (Ruby's Time#to_s). A time
// without a zone is read as UTC (default UTC: the reducer must not depend on the host's zone).
const ABSOLUTE = /^(\d{4}-\d{2}-\d{2})(?:[ T](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?))?\s*(Z|UTC|[+-]\d{2}:?\d{2})?$/;

export function parseAbsoluteTime(input: string): number | undefined {
  const m = ABSOLUTE.exec(input.trim());
  if (!m) return undefined;
  let zone = m[3] ?? 'Z';
  if (zone === 'UTC') zone = 'Z';
  else if (zone !== 'Z' && !zone.includes(':')) zone = `${zone.slice(0, 3)}:${zone.slice(3)}`;
  const t = Date.parse(`${m[1]}T${m[2] ?? '00:00:00'}${zone}`);
  return Number.isNaN(t) ? undefined : t;
}
