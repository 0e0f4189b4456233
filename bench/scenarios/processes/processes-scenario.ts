import { join } from 'node:path';
import { Pool } from 'undici';
import { Report, formatTable, type ScenarioResult } from '../../lib/report.js';
import { selected, type BenchOptions } from '../../lib/options.js';
import { RESULTS_DIR } from '../../lib/paths.js';
import { load, weftVersion } from '../../lib/machine.js';
import { api, routeExists } from '../../lib/http.js';
import { CallbackReceiver, type Delivery } from '../../lib/callback-receiver.js';
import { Samples, rate } from '../../lib/stats.js';
import { authHeaders, backendLabel, startWeft, type WeftBackend } from '../../lib/weft-process.js';
import { pgInfo } from '../tasks/pg-info.js';

export const PROCESSES_DEFAULTS = {
  // Launchers: each launches a process and waits for it to complete before launching the next.
  concurrency: [16, 64],
  seconds: 4,
  targetPerSecond: 2000,
};

/** A three-participant sequence, in the JSON tree form. */
export const SEQUENCE = ['define', { name: 'bench-sequence' }, [['sequence', {}, [['participant', { ref: 'alpha' }, []], ['participant', { ref: 'bravo' }, []], ['participant', { ref: 'charlie' }, []]]]]];
const LAST = 'charlie';

export async function runProcesses(o: BenchOptions): Promise<ScenarioResult> {
  const levels = o.concurrency ?? PROCESSES_DEFAULTS.concurrency;
  const seconds = o.duration ?? PROCESSES_DEFAULTS.seconds;
  const report = new Report('processes', {
    concurrency: levels,
    seconds_per_level: seconds,
    workflow: SEQUENCE,
    participant: 'in-process node:http receiver on loopback: answers 200, then POSTs the proceed_url at once',
    steps_per_workflow: 3,
  });
  report.versions.weft = weftVersion();
  console.log(`\n## processes: three-participant sequences, ${levels.join(', ')} launchers, ${seconds} s each`);
  const prof = o.profile ? join(RESULTS_DIR, 'profiles', 'processes') : undefined;
  const backends: WeftBackend[] = [{ kind: 'sqlite', synchronous: 'FULL' }, { kind: 'sqlite', synchronous: 'NORMAL' }, { kind: 'postgres' }];
  let available = true;

  for (const backend of backends) {
    const label = backendLabel(backend);
    if (!selected(o, label)) continue;
    // Every delivery is retried quickly should one fail, so a lost one shows as latency, not as a 30 s stall.
    const weft = await startWeft({ backend, cpuProfDir: prof && join(prof, label.replace(/ /g, '-')), env: { WEFT_CALLBACK_RETRY_DELAYS: '0.2,0.5,1' } });
    const waiting = new Map<string, { resolve: () => void; early?: boolean }>();
    let proceedErrors = 0;
    const receiver = new CallbackReceiver((d: Delivery) => {
      if (d.status !== 'active') return;
      void receiver.proceed(d.proceed_url).then((status) => {
        if (status !== 201) proceedErrors++;
        if (d.participant !== LAST) return;
        const w = waiting.get(d.workflow_id);
        if (w) w.resolve();
        else waiting.set(d.workflow_id, { resolve: () => {}, early: true });
      });
    });
    const pool = new Pool(weft.url, { connections: 16 });
    try {
      if (!(await routeExists(weft.url, 'GET', '/v1/workflows'))) {
        available = false;
        break;
      }
      report.durability[label] = backend.kind === 'sqlite' ? `SQLite WAL synchronous=${backend.synchronous}, group commit` : await pgInfo(report);
      const callback = await receiver.listen();
      const launch = async (): Promise<string> => {
        const res = await pool.request({ path: '/v1/workflows', method: 'POST', headers: authHeaders, body: JSON.stringify({ workflow: SEQUENCE, callback }) });
        const text = await res.body.text();
        if (res.statusCode !== 201) throw new Error(`launch → ${res.statusCode} ${text}`);
        return JSON.parse(text).id;
      };
      for (const c of levels) {
        const samples = new Samples();
        let completed = 0;
        let lost = 0;
        const wfids: string[] = [];
        const cpu0 = weft.cpuMs();
        const end = performance.now() + seconds * 1000;
        const t0 = performance.now();
        let lastAt = t0;
        await Promise.all(
          Array.from({ length: c }, async () => {
            while (performance.now() < end) {
              const s = performance.now();
              const wfid = await launch();
              const finished = await new Promise<boolean>((resolve) => {
                const w = waiting.get(wfid);
                if (w?.early) return resolve(true);
                // Default 30 s: a process that has not completed by then is counted as lost, not waited for.
                const timer = setTimeout(() => resolve(false), 30_000);
                waiting.set(wfid, { resolve: () => (clearTimeout(timer), resolve(true)) });
              });
              waiting.delete(wfid);
              if (!finished) {
                lost++;
                continue;
              }
              lastAt = performance.now();
              samples.add(lastAt - s);
              completed++;
              if (wfids.length < 20) wfids.push(wfid);
            }
          }),
        );
        const ms = lastAt - t0;
        const cpuUs = Math.round(((weft.cpuMs() - cpu0) * 1000) / Math.max(1, completed));
        // The reply to the last proceed follows the commit that ended the process: check a sample all the same.
        const statuses = await Promise.all(wfids.map((id) => api(weft.url, 'GET', `/v1/workflows/${id}`).then((w) => w.status as string)));
        const notDone = statuses.filter((s) => s !== 'completed').length;
        const l = samples.summary();
        const row = {
          kind: 'run',
          system: label,
          launchers: c,
          workflows_per_s: rate(completed, ms),
          steps_per_s: rate(completed * 3, ms),
          completed,
          p50_ms: l.p50_ms,
          p99_ms: l.p99_ms,
          proceed_errors: proceedErrors,
          not_completed_in_30s: lost,
          sample_not_completed: notDone,
          // weft's CPU per completed workflow (launch, three deliveries, three proceeds).
          cpu_us_per_workflow: cpuUs,
          load1: load()[0],
        };
        report.row(row);
        console.log(`  ${label} c=${c}: ${row.workflows_per_s} workflows/s (${row.steps_per_s} steps/s), launch→completion p50 ${l.p50_ms} p99 ${l.p99_ms} ms`);
      }
    } catch (err) {
      report.status = 'partial';
      report.note(`${label} failed: ${(err as Error).stack ?? err}`);
    } finally {
      await pool.close();
      await receiver.close();
      await weft.stop();
      await weft.cleanup();
    }
  }
  if (!available) {
    report.status = 'not available yet';
    report.note('processes are not available yet in this build (GET /v1/workflows is not routed)');
    console.log('  processes: not available yet');
    return report.finish(o.out);
  }
  const runs = report.rows.filter((r) => r.kind === 'run');
  console.log('\n' + formatTable(runs, ['system', 'launchers', 'workflows_per_s', 'steps_per_s', 'p50_ms', 'p99_ms', 'completed', 'cpu_us_per_workflow', 'load1']));
  const best = Math.max(0, ...runs.map((r) => Number(r.workflows_per_s)));
  const t = { kind: 'targets', best_workflows_per_s: best, target: PROCESSES_DEFAULTS.targetPerSecond, met: best >= PROCESSES_DEFAULTS.targetPerSecond };
  report.row(t);
  console.log('\ntargets: ' + JSON.stringify(t));
  return report.finish(o.out);
}
