// npm run bench [-- <scenario…>] [--n N] [--duration S] [--concurrency a,b] [--only word,…] [--profile] [--out dir]
// Scenarios: tasks, flows, processes, endpoints, recovery (all by default, in that order).
// Each prints its table and writes bench/results/<scenario>.json. Never part of npm test.
import { spawnSync } from 'node:child_process';
import { parseOptions } from './lib/options.js';
import { REPO } from './lib/paths.js';
import { load } from './lib/machine.js';
import { settle } from './lib/settle.js';
import type { ScenarioResult } from './lib/report.js';

type Scenario = (o: ReturnType<typeof parseOptions>) => Promise<ScenarioResult>;

const SCENARIOS: Record<string, () => Promise<Scenario>> = {
  tasks: async () => (await import('./scenarios/tasks/tasks-scenario.js')).runTasks,
  flows: async () => (await import('./scenarios/flows/flows-scenario.js')).runFlows,
  processes: async () => (await import('./scenarios/processes/processes-scenario.js')).runProcesses,
  endpoints: async () => (await import('./scenarios/endpoints/endpoints-scenario.js')).runEndpoints,
  recovery: async () => (await import('./scenarios/recovery/recovery-scenario.js')).runRecovery,
};

const USAGE = `npm run bench [-- <scenario…>] [--n N] [--duration S] [--concurrency a,b] [--only word,…] [--profile] [--out dir]
  scenarios: ${Object.keys(SCENARIOS).join(', ')} (all by default, in that order)
  --n N            scenario size (tasks, launches, instances…)
  --duration S     seconds per measured phase
  --concurrency    concurrency levels (workers, clients, connections)
  --only words     only the systems whose label contains one of the words (e.g. weft,bullmq)
  --profile        run the weft child with --cpu-prof (bench/results/profiles/)
  --out dir        where the result JSON goes (default bench/results)`;

/** A mistake on the command line: its message and the usage, no stack. */
function usageError(message: string): never {
  console.error(`bench: ${message}\n\n${USAGE}`);
  process.exit(2);
}

async function main() {
  const args = process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h')) {
    console.log(USAGE);
    return;
  }
  let o: ReturnType<typeof parseOptions>;
  try {
    o = parseOptions(args);
  } catch (err) {
    usageError((err as Error).message);
  }
  const names = o.scenarios.length ? o.scenarios : Object.keys(SCENARIOS);
  for (const name of names) if (!SCENARIOS[name]) usageError(`unknown scenario "${name}" (known: ${Object.keys(SCENARIOS).join(', ')})`);
  // The server runs from its bundle, as `npm start` runs it: rebuilt from the sources as they are.
  const built = spawnSync(process.execPath, ['scripts/build-server.mjs'], { cwd: REPO, stdio: 'inherit' });
  if (built.status !== 0) throw new Error('npm run build:server failed');
  console.log(`weft benchmarks — ${new Date().toISOString()}, load ${load().join(' ')}`);
  const t0 = Date.now();
  let failed = false;
  for (const name of names) {
    await settle();
    const run = await SCENARIOS[name]();
    const r = await run(o);
    console.log(`\n${name}: ${r.status} in ${r.duration_s} s → bench/results/${name}.json`);
    if (r.status === 'failed') failed = true;
  }
  console.log(`\nall done in ${Math.round((Date.now() - t0) / 1000)} s, load ${load().join(' ')}`);
  process.exit(failed ? 1 : 0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
