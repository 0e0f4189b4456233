// npx tsx bench/results-markdown.ts [folder]  — the result JSON of every scenario as the Markdown
// tables of docs/benchmarks.md (default folder: bench/results).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RESULTS_DIR } from './lib/paths.js';
import type { ScenarioResult } from './lib/report.js';

const dir = process.argv[2] ?? RESULTS_DIR;

const cell = (v: unknown) => (v === undefined || v === null ? '–' : typeof v === 'number' ? (Number.isInteger(v) ? v.toLocaleString('en-US') : v.toFixed(v >= 100 ? 0 : v >= 10 ? 1 : 2)) : String(v));

function table(rows: Record<string, unknown>[], columns: [string, string][]): string {
  const head = `| ${columns.map(([, h]) => h).join(' | ')} |`;
  const sep = `|${columns.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`;
  return [head, sep, ...rows.map((r) => `| ${columns.map(([k]) => cell(r[k])).join(' | ')} |`)].join('\n');
}

const TABLES: Record<string, Array<{ kind: string; title?: string; columns: [string, string][] }>> = {
  tasks: [
    {
      kind: 'drain',
      columns: [
        ['system', 'system'],
        ['concurrency', 'concurrency'],
        ['n', 'tasks'],
        ['enqueue_per_s', 'enqueued/s'],
        ['completed_per_s', 'completed/s'],
        ['drain_s', 'drain s'],
        ['enqueue_cpu_us', 'server CPU µs/enqueue'],
        ['drain_cpu_us', 'server CPU µs/task drained'],
        ['load1', 'load'],
      ],
    },
    {
      kind: 'latency',
      title: 'Enqueue-to-start, idle workers, tasks arriving one at a time',
      columns: [
        ['system', 'system'],
        ['rate_per_s', 'arrivals/s'],
        ['p50_ms', 'p50 ms'],
        ['p99_ms', 'p99 ms'],
        ['max_ms', 'max ms'],
      ],
    },
  ],
  flows: [
    {
      kind: 'closed',
      title: 'Closed loop (one transition in flight per instance)',
      columns: [
        ['system', 'system'],
        ['clients', 'clients'],
        ['in_flight', 'in flight'],
        ['transitions_per_s', 'transitions/s'],
        ['p50_ms', 'p50 ms'],
        ['p99_ms', 'p99 ms'],
        ['p999_ms', 'p99.9 ms'],
        ['cpu_us', 'server CPU µs/transition'],
        ['load1', 'load'],
      ],
    },
    {
      kind: 'open',
      title: 'Open loop (constant offered rate; latency from the scheduled send time)',
      columns: [
        ['system', 'system'],
        ['offered_per_s', 'offered/s'],
        ['transitions_per_s', 'achieved/s'],
        ['saturated', 'saturated'],
        ['p50_ms', 'p50 ms'],
        ['p99_ms', 'p99 ms'],
        ['p999_ms', 'p99.9 ms'],
        ['cpu_us', 'server CPU µs/transition'],
        ['client_lag_p99_ms', 'load generator lag p99 ms'],
        ['client_lag_max_ms', 'lag max ms'],
        ['load1', 'load'],
      ],
    },
    {
      kind: 'echo',
      title: 'Transport floor (the same clients and rate against a WebSocket server that answers at once and stores nothing)',
      columns: [
        ['system', 'system'],
        ['offered_per_s', 'offered/s'],
        ['transitions_per_s', 'achieved/s'],
        ['p50_ms', 'p50 ms'],
        ['p99_ms', 'p99 ms'],
        ['p999_ms', 'p99.9 ms'],
        ['client_lag_p99_ms', 'load generator lag p99 ms'],
        ['client_lag_max_ms', 'lag max ms'],
        ['load1', 'load'],
      ],
    },
    {
      kind: 'floor',
      title: 'Storage floor (the same statements through better-sqlite3, in process)',
      columns: [
        ['system', 'system'],
        ['batch', 'transitions per commit'],
        ['transitions_per_s', 'transitions/s'],
      ],
    },
  ],
  processes: [
    {
      kind: 'run',
      columns: [
        ['system', 'system'],
        ['launchers', 'launchers'],
        ['workflows_per_s', 'workflows/s'],
        ['steps_per_s', 'steps/s'],
        ['p50_ms', 'p50 ms'],
        ['p99_ms', 'p99 ms'],
        ['cpu_us_per_workflow', 'server CPU µs/workflow'],
        ['load1', 'load'],
      ],
    },
  ],
  endpoints: [
    {
      kind: 'run',
      columns: [
        ['system', 'system'],
        ['connections', 'connections'],
        ['requests_per_s', 'requests/s'],
        ['p50_ms', 'p50 ms'],
        ['p99_ms', 'p99 ms'],
        ['non2xx', 'non-2xx'],
        ['cpu_us', 'server CPU µs/request'],
        ['load1', 'load'],
      ],
    },
  ],
  recovery: [
    {
      kind: 'run',
      columns: [
        ['system', 'system'],
        ['instances', 'live instances'],
        ['timers', 'pending timers'],
        ['empty_startup_ms', 'start, empty db (ms)'],
        ['restart_to_healthz_ms', 'restart → /healthz (ms)'],
        ['restart_to_all_timers_fired_ms', 'restart → all timers fired (ms)'],
        ['server_cpu_ms_to_timers_fired', 'server CPU until then (ms)'],
        ['restart_to_all_callbacks_ms', 'restart → all callbacks (ms)'],
        ['load1', 'load'],
      ],
    },
  ],
};

for (const scenario of Object.keys(TABLES)) {
  const file = join(dir, `${scenario}.json`);
  if (!existsSync(file)) continue;
  const r: ScenarioResult = JSON.parse(readFileSync(file, 'utf8'));
  console.log(`### ${scenario}\n`);
  console.log(`${r.status}; ${r.started_at}, ${r.duration_s} s; load ${r.machine.load_at_start.join(' ')} → ${r.load_at_end.join(' ')}\n`);
  if (r.status === 'not available yet') {
    console.log('not available yet\n');
    continue;
  }
  for (const t of TABLES[scenario]) {
    const rows = r.rows.filter((x) => x.kind === t.kind);
    if (!rows.length) continue;
    if (t.title) console.log(`${t.title}:\n`);
    console.log(table(rows, t.columns) + '\n');
  }
  const targets = r.rows.find((x) => x.kind === 'targets');
  if (targets) console.log('targets: `' + JSON.stringify({ ...targets, kind: undefined }) + '`\n');
  if (r.notes.length) console.log(r.notes.map((n) => `- ${n.split('\n')[0]}`).join('\n') + '\n');
}
