// ms since the epoch → ISO 8601, as the API shows times.
// PERF: Date#toISOString costs about a microsecond, and is most of the cost of rendering a task or
// a flow instance, and of an endpoint request's stamps. The date, hour and minute of the last minute
// written are kept; the seconds and milliseconds are appended (~0.05 µs). And the same times come
// back many times in a row (a claim's tasks share their start and lease times, a batch its creation
// time): the last strings are kept too, one per value of the milliseconds' last three bits, so that
// a reply of many tasks carries the same strings (JSON.stringify flattens each once).

let minuteStart = Number.NaN;
let minutePrefix = '';
// 0000-01-01 to 9999-12-31: where toISOString writes a four-digit year.
const FIRST = -62167219200000;
const END = 253402300800000;

const RECENT = 8;
const recentMs = new Float64Array(RECENT).fill(Number.NaN);
const recentText: string[] = new Array<string>(RECENT).fill('');

export function isoTime(ms: number): string {
  const slot = ms & (RECENT - 1);
  if (recentMs[slot] === ms) return recentText[slot];
  const text = format(ms);
  recentMs[slot] = ms;
  recentText[slot] = text;
  return text;
}

function format(ms: number): string {
  if (!Number.isInteger(ms) || ms < FIRST || ms >= END) return new Date(ms).toISOString();
  let within = ms - minuteStart;
  if (!(within >= 0 && within < 60000)) {
    minuteStart = ms - (((ms % 60000) + 60000) % 60000);
    minutePrefix = new Date(minuteStart).toISOString().slice(0, 17);
    within = ms - minuteStart;
  }
  const seconds = Math.floor(within / 1000);
  const millis = within % 1000;
  return `${minutePrefix}${seconds < 10 ? '0' : ''}${seconds}.${millis < 100 ? (millis < 10 ? '00' : '0') : ''}${millis}Z`;
}
