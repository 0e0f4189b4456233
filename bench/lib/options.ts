/** Command-line options shared by the scenarios: `npm run bench -- [scenario…] [--n N] [--duration S] [--concurrency a,b] [--only x,y] [--profile]`. */
export interface BenchOptions {
  scenarios: string[];
  /** Scenario size (tasks, launches, instances…); each scenario has its own default. */
  n?: number;
  /** Seconds per measured phase, where a scenario runs for a time. */
  duration?: number;
  /** Concurrency levels (workers, clients, connections). */
  concurrency?: number[];
  /** Only the systems whose label contains one of these words (e.g. `--only weft,bullmq`). */
  only?: string[];
  /** Run the weft child with --cpu-prof and keep the profiles in bench/results/profiles/. */
  profile: boolean;
  /** Where result JSON goes (default bench/results). */
  out?: string;
}

export function parseOptions(argv: string[]): BenchOptions {
  const o: BenchOptions = { scenarios: [], profile: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [flag, inline] = a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    const num = (v: string) => {
      const x = Number(v);
      if (!Number.isFinite(x) || x <= 0) throw new Error(`${flag} must be a positive number, got "${v}"`);
      return x;
    };
    switch (flag) {
      case '--n':
        o.n = Math.round(num(value()));
        break;
      case '--duration':
        o.duration = num(value());
        break;
      case '--concurrency':
        o.concurrency = value()
          .split(',')
          .map((x) => Math.round(num(x)));
        break;
      case '--only':
        o.only = value()
          .split(',')
          .map((x) => x.trim().toLowerCase())
          .filter(Boolean);
        break;
      case '--profile':
        o.profile = true;
        break;
      case '--out':
        o.out = value();
        break;
      default:
        if (flag.startsWith('--')) throw new Error(`unknown option ${flag}`);
        o.scenarios.push(flag);
    }
  }
  return o;
}

export const selected = (o: BenchOptions, label: string) => !o.only || o.only.some((w) => label.toLowerCase().includes(w));
