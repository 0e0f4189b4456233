import { join } from 'node:path';
import { Report, formatTable, type ScenarioResult } from '../../lib/report.js';
import { selected, type BenchOptions } from '../../lib/options.js';
import { RESULTS_DIR } from '../../lib/paths.js';
import { load } from '../../lib/machine.js';
import { Samples, rate, round } from '../../lib/stats.js';
import type { QueueSystem } from './queue-system.js';
import { weftQueue } from './weft-queue.js';
import { bullmqQueue } from './bullmq-queue.js';
import { graphileQueue } from './graphile-queue.js';
import { pgbossQueue } from './pgboss-queue.js';

// Defaults sized so the whole `npm run bench` stays under 5 minutes on 2 cores (see docs/benchmarks.md).
export const TASKS_DEFAULTS = {
  // The issue's 50,000 tasks, enqueued and drained at the highest concurrency (the throughput the
  // targets compare); 10,000 at the lower ones, where pg-boss and weft on PostgreSQL drain ~1,200/s
  // and 50,000 would take most of the 5-minute budget. `--n N` sizes every drain.
  n: 50_000,
  nBelowTop: 10_000,
  concurrency: [10, 100],
  // Enqueue-to-start is measured apart from the drains (in a drain it is only the time spent queued):
  // idle workers, tasks added one at a time at a fixed rate.
  // 100/s on up to 100 tasks at once: within what every system drains, pg-boss's 0.5 s polling included.
  latencyRate: 100,
  latencySeconds: 2,
  latencyConcurrency: 100,
  // An enqueue or a drain still running after this many seconds (per 10,000 tasks, 8 and 10 at the
  // least) is cut and reported with what it did; a drain after 25 s at the most (pg-boss drained
  // 50,000 in 38 s on a slow hour, an eighth of the 5 minutes; its rate is the same from 25 s of it).
  enqueueTimeoutS: 8,
  drainTimeoutS: 10,
  drainTimeoutMaxS: 25,
};

export interface TasksRunOptions {
  systems?: QueueSystem[];
  /** Skip the latency phase (the smoke test). */
  noLatency?: boolean;
  outDir?: string;
}

export function defaultSystems(o: BenchOptions): QueueSystem[] {
  const prof = o.profile ? join(RESULTS_DIR, 'profiles', 'tasks') : undefined;
  const all: QueueSystem[] = [
    weftQueue({ kind: 'sqlite', synchronous: 'FULL' }, { cpuProfDir: prof && join(prof, 'sqlite-full') }),
    weftQueue({ kind: 'sqlite', synchronous: 'NORMAL' }, { cpuProfDir: prof && join(prof, 'sqlite-normal') }),
    weftQueue({ kind: 'postgres' }, { cpuProfDir: prof && join(prof, 'postgres') }),
    bullmqQueue(),
    graphileQueue(),
    pgbossQueue(),
  ];
  return all.filter((s) => selected(o, s.name));
}

export async function runTasks(o: BenchOptions, run: TasksRunOptions = {}): Promise<ScenarioResult> {
  const concurrency = o.concurrency ?? TASKS_DEFAULTS.concurrency;
  const top = Math.max(...concurrency);
  const sizeAt = (c: number) => o.n ?? (c === top ? TASKS_DEFAULTS.n : TASKS_DEFAULTS.nBelowTop);
  const latencySeconds = o.duration ?? TASKS_DEFAULTS.latencySeconds;
  const scale = (n: number) => Math.max(1, n / 10_000);
  const systems = run.systems ?? defaultSystems(o);
  const sizes = Object.fromEntries(concurrency.map((c) => [c, sizeAt(c)]));
  const report = new Report('tasks', {
    n: sizes,
    concurrency,
    latency: run.noLatency ? null : { rate_per_s: TASKS_DEFAULTS.latencyRate, seconds: latencySeconds, concurrency: TASKS_DEFAULTS.latencyConcurrency },
    enqueue_timeout_s_per_10000: TASKS_DEFAULTS.enqueueTimeoutS,
    drain_timeout_s_per_10000: TASKS_DEFAULTS.drainTimeoutS,
    drain_timeout_max_s: TASKS_DEFAULTS.drainTimeoutMaxS,
    task: 'no-op (the handler returns at once)',
    setups: Object.fromEntries(systems.map((s) => [s.name, s.setupNote])),
  });
  console.log(`\n## tasks: no-op tasks per drain ${concurrency.map((c) => `${sizes[c]} at c=${c}`).join(', ')}`);

  for (const system of systems) {
    try {
      await system.setup();
      report.versions[system.name] = system.version;
      report.durability[system.name] = system.durability;
      for (const c of concurrency) {
        const n = sizes[c];
        const enqueueTimeoutS = TASKS_DEFAULTS.enqueueTimeoutS * scale(n);
        const drainTimeoutS = Math.min(TASKS_DEFAULTS.drainTimeoutS * scale(n), TASKS_DEFAULTS.drainTimeoutMaxS);
        const loadBefore = load()[0];
        const cpu0 = system.cpuMs?.() ?? NaN;
        const t0 = performance.now();
        const queued = await system.enqueue(n, Date.now() + enqueueTimeoutS * 1000);
        const enqueueMs = performance.now() - t0;
        const cpu1 = system.cpuMs?.() ?? NaN;
        if (queued < n) report.note(`${system.name} c=${c}: ${queued} of ${n} tasks enqueued within ${enqueueTimeoutS} s; the drain took those`);
        const { completed, elapsedMs } = await system.drain(queued, c, Date.now() + drainTimeoutS * 1000);
        const cpu2 = system.cpuMs?.() ?? NaN;
        if (completed < queued) report.note(`${system.name} c=${c}: ${completed} of ${queued} tasks completed within ${drainTimeoutS} s`);
        const row = {
          kind: 'drain',
          system: system.name,
          concurrency: c,
          n: queued,
          enqueue_per_s: rate(queued, enqueueMs),
          completed,
          drain_s: round(elapsedMs / 1000, 2),
          completed_per_s: rate(completed, elapsedMs),
          complete: completed >= queued,
          // Server CPU per task (weft only): independent of how busy the machine was.
          enqueue_cpu_us: Number.isNaN(cpu1) ? null : Math.round(((cpu1 - cpu0) * 1000) / Math.max(1, queued)),
          drain_cpu_us: Number.isNaN(cpu2) ? null : Math.round(((cpu2 - cpu1) * 1000) / Math.max(1, completed)),
          load1: loadBefore,
        };
        report.row(row);
        console.log(`  ${system.name} c=${c}: enqueue ${row.enqueue_per_s}/s, drain ${row.completed_per_s}/s (${completed}/${queued} in ${row.drain_s} s)`);
      }
      if (!run.noLatency) {
        const samples = new Samples();
        await system.latency(TASKS_DEFAULTS.latencyRate, latencySeconds * 1000, TASKS_DEFAULTS.latencyConcurrency, samples);
        const s = samples.summary();
        const expected = Math.round(TASKS_DEFAULTS.latencyRate * latencySeconds);
        report.row({ kind: 'latency', system: system.name, rate_per_s: TASKS_DEFAULTS.latencyRate, started: s.count, expected, p50_ms: s.p50_ms, p99_ms: s.p99_ms, max_ms: s.max_ms, load1: load()[0] });
        console.log(`  ${system.name} enqueue-to-start at ${TASKS_DEFAULTS.latencyRate}/s: p50 ${s.p50_ms} ms, p99 ${s.p99_ms} ms (${s.count}/${expected})`);
      }
    } catch (err) {
      report.status = 'partial';
      report.note(`${system.name} failed: ${(err as Error).stack ?? err}`);
    } finally {
      await system.teardown().catch((e) => report.note(`${system.name} teardown: ${(e as Error).message}`));
    }
  }

  const drains = report.rows.filter((r) => r.kind === 'drain');
  console.log('\n' + formatTable(drains, ['system', 'concurrency', 'enqueue_per_s', 'completed_per_s', 'drain_s', 'completed', 'enqueue_cpu_us', 'drain_cpu_us', 'load1']));
  const lat = report.rows.filter((r) => r.kind === 'latency');
  if (lat.length) console.log('\nenqueue-to-start (idle workers, fixed arrival rate)\n' + formatTable(lat, ['system', 'rate_per_s', 'p50_ms', 'p99_ms', 'max_ms', 'started']));
  targets(report);
  return report.finish(run.outDir ?? o.out);
}

/** The issue's targets: weft on SQLite ≥ 1.5× the best peer; weft on PostgreSQL ≥ the best PostgreSQL peer (by the best concurrency of each). */
function targets(report: Report) {
  const best = (pred: (s: string) => boolean) =>
    Math.max(0, ...report.rows.filter((r) => r.kind === 'drain' && pred(String(r.system))).map((r) => Number(r.completed_per_s)));
  const peer = best((s) => !s.startsWith('weft'));
  const pgPeer = best((s) => !s.startsWith('weft') && s.includes('PostgreSQL'));
  const full = best((s) => s === 'weft sqlite FULL');
  const normal = best((s) => s === 'weft sqlite NORMAL');
  const wpg = best((s) => s === 'weft postgres');
  const out: Record<string, unknown> = {};
  if (peer && (full || normal)) {
    out.sqlite_vs_best_peer = { best_peer_per_s: peer, full_ratio: round(full / peer, 2), normal_ratio: round(normal / peer, 2), target_ratio: 1.5, met_full: full >= 1.5 * peer, met_normal: normal >= 1.5 * peer };
  }
  if (pgPeer && wpg) out.postgres_vs_best_pg_peer = { best_pg_peer_per_s: pgPeer, weft_per_s: wpg, ratio: round(wpg / pgPeer, 2), target_ratio: 1, met: wpg >= pgPeer };
  if (Object.keys(out).length) {
    report.row({ kind: 'targets', ...out });
    console.log('\ntargets: ' + JSON.stringify(out));
  }
}
