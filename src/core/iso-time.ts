// ms since the epoch → ISO 8601, as the API shows times.
// PERF: Date#toISOString costs about a microsecond, and is most of the cost of rendering a task or
// a flow instance; things answered together mostly share their times (one enqueue batch, one claim,
// one commit), so the last strings are kept.

const KEEP = 512;
const cache = new Map<number, string>();

export function isoTime(ms: number): string {
  let s = cache.get(ms);
  if (s === undefined) {
    if (cache.size >= KEEP) cache.clear();
    s = new Date(ms).toISOString();
    cache.set(ms, s);
  }
  return s;
}
