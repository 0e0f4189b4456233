/** Latency samples in milliseconds; percentiles by nearest rank over the sorted samples. */
export class Samples {
  private values: number[] = [];

  add(ms: number) {
    this.values.push(ms);
  }

  get count() {
    return this.values.length;
  }

  summary(): LatencySummary {
    const v = Float64Array.from(this.values).sort();
    const at = (p: number) => (v.length === 0 ? null : round(v[Math.min(v.length - 1, Math.max(0, Math.ceil((p / 100) * v.length) - 1))]));
    let sum = 0;
    for (const x of v) sum += x;
    return {
      count: v.length,
      mean_ms: v.length ? round(sum / v.length) : null,
      p50_ms: at(50),
      p90_ms: at(90),
      p99_ms: at(99),
      p999_ms: at(99.9),
      max_ms: v.length ? round(v[v.length - 1]) : null,
    };
  }
}

export interface LatencySummary {
  count: number;
  mean_ms: number | null;
  p50_ms: number | null;
  p90_ms: number | null;
  p99_ms: number | null;
  p999_ms: number | null;
  max_ms: number | null;
}

export function round(x: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** Operations per second, rounded to a whole number. */
export const rate = (count: number, ms: number) => (ms > 0 ? Math.round((count * 1000) / ms) : 0);

export const nowMs = () => performance.now();

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
