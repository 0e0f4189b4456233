import { join } from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import autocannon from 'autocannon';
import { Report, formatTable, type ScenarioResult } from '../../lib/report.js';
import { selected, type BenchOptions } from '../../lib/options.js';
import { RESULTS_DIR } from '../../lib/paths.js';
import { load, packageVersion, weftVersion } from '../../lib/machine.js';
import { api, routeExists } from '../../lib/http.js';
import { startScript } from '../../lib/child-script.js';
import { BENCH_KEY, backendLabel, processCpuMs, startWeft, type WeftBackend } from '../../lib/weft-process.js';
import { pgInfo } from '../tasks/pg-info.js';

export const ENDPOINTS_DEFAULTS = {
  connections: [16],
  seconds: 5,
  // Unmeasured load before the first measured run, for weft and the floor alike: both are
  // measured warm (JIT-compiled, pools and caches filled), not in their first seconds.
  warmupSeconds: 3,
  targetRatio: 0.7,
};

const STUB = 'bench/scenarios/endpoints/upstream-stub.ts';
const FLOOR = 'bench/scenarios/endpoints/floor-server.ts';

/** One lookup (URL parameter from the path), a mapping, and state saving (a body field and a lookup field). */
export function benchEndpoint(upstream: string) {
  return {
    name: 'bench-enrich',
    description: 'benchmark: one lookup, a mapping, state',
    endpoint: { pattern: '/bench/enrich/:id', method: 'POST' },
    transformation: { input: 'JSON', output: 'JSON' },
    requests: {
      lookup: [{ id: 'patient', config: { method: 'get', url: `${upstream}/patient/:id`, params: { url: { id: { path: 'urlParams.id' } } } } }],
      response: [],
    },
    inputMapping: { 'urlParams.id': 'id', 'requestBody.code': 'code', 'lookupRequests.patient.data.name': 'name' },
    state: { extract: { requestBody: { code: 'code' }, lookupRequests: { patient: { token: 'data.token' } } } },
  };
}

async function cannon(url: string, connections: number, seconds: number) {
  const r = await autocannon({
    url,
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': BENCH_KEY },
    body: JSON.stringify({ code: 'A01' }),
    connections,
    duration: seconds,
  });
  return {
    requests_per_s: Math.round(r.requests.average),
    total: r.requests.total,
    ok_2xx: r['2xx'],
    non2xx: r.non2xx,
    errors: r.errors,
    p50_ms: r.latency.p50,
    p99_ms: r.latency.p99,
  };
}

export async function runEndpoints(o: BenchOptions): Promise<ScenarioResult> {
  const levels = o.concurrency ?? ENDPOINTS_DEFAULTS.connections;
  const seconds = o.duration ?? ENDPOINTS_DEFAULTS.seconds;
  const report = new Report('endpoints', {
    connections: levels,
    seconds,
    request: 'POST /bench/enrich/42 {"code":"A01"} with the API key',
    endpoint: benchEndpoint('http://<stub>'),
    floor: 'Fastify 5 handler in its own process: the same lookup through an undici Pool, the same mapping by hand, one better-sqlite3 INSERT of the state record per request (autocommit, same synchronous)',
    placement: 'weft (or the floor), the upstream stub and autocannon each in their own process',
  });
  report.versions.weft = weftVersion();
  report.versions.autocannon = packageVersion('autocannon');
  report.versions.fastify = packageVersion('fastify');
  report.versions['better-sqlite3'] = packageVersion('better-sqlite3');
  console.log(`\n## endpoints: autocannon, ${levels.join(', ')} connections, ${seconds} s each`);
  const prof = o.profile ? join(RESULTS_DIR, 'profiles', 'endpoints') : undefined;
  const stub = await startScript(STUB);
  const upstream = `http://127.0.0.1:${stub.port}`;
  let available = true;
  const backends: WeftBackend[] = [{ kind: 'sqlite', synchronous: 'FULL' }, { kind: 'sqlite', synchronous: 'NORMAL' }, { kind: 'postgres' }];
  try {
    for (const backend of backends) {
      const label = backendLabel(backend);
      if (!selected(o, label)) continue;
      const weft = await startWeft({ backend, cpuProfDir: prof && join(prof, label.replace(/ /g, '-')) });
      try {
        if (!(await routeExists(weft.url, 'GET', '/endpoints'))) {
          available = false;
          break;
        }
        report.durability[label] = backend.kind === 'sqlite' ? `SQLite WAL synchronous=${backend.synchronous}, group commit` : await pgInfo(report);
        await api(weft.url, 'POST', '/endpoints', benchEndpoint(upstream), [201]);
        // A warm-up request checks the endpoint end to end before it is measured.
        const check = await api(weft.url, 'POST', '/bench/enrich/42', { code: 'A01' }, [200]);
        if (check.name !== 'Ada Lovelace' || check.id !== '42') throw new Error(`unexpected endpoint reply ${JSON.stringify(check)}`);
        await cannon(`${weft.url}/bench/enrich/42`, levels[0], ENDPOINTS_DEFAULTS.warmupSeconds);
        for (const c of levels) {
          const cpu0 = weft.cpuMs();
          const r = await cannon(`${weft.url}/bench/enrich/42`, c, seconds);
          const cpu_us = Math.round(((weft.cpuMs() - cpu0) * 1000) / Math.max(1, r.total));
          report.row({ kind: 'run', system: label, connections: c, ...r, cpu_us, load1: load()[0] });
          console.log(`  ${label} c=${c}: ${r.requests_per_s} req/s, p99 ${r.p99_ms} ms (non-2xx ${r.non2xx}, errors ${r.errors})`);
        }
      } catch (err) {
        report.status = 'partial';
        report.note(`${label} failed: ${(err as Error).stack ?? err}`);
      } finally {
        await weft.stop();
        await weft.cleanup();
      }
      if (backend.kind === 'sqlite' && available) {
        const dir = mkdtempSync(join(tmpdir(), 'weft-floor-'));
        const floor = await startScript(FLOOR, { FLOOR_UPSTREAM: upstream, FLOOR_SYNCHRONOUS: backend.synchronous, FLOOR_DB: join(dir, 'floor.db') }, prof && join(prof, `floor-${backend.synchronous}`));
        try {
          await cannon(`http://127.0.0.1:${floor.port}/bench/enrich/42`, levels[0], ENDPOINTS_DEFAULTS.warmupSeconds);
          for (const c of levels) {
            const cpu0 = processCpuMs(floor.child.pid!);
            const r = await cannon(`http://127.0.0.1:${floor.port}/bench/enrich/42`, c, seconds);
            const cpu_us = Math.round(((processCpuMs(floor.child.pid!) - cpu0) * 1000) / Math.max(1, r.total));
            report.row({ kind: 'run', system: `floor: Fastify + better-sqlite3 ${backend.synchronous}`, connections: c, ...r, cpu_us, load1: load()[0] });
            console.log(`  floor ${backend.synchronous} c=${c}: ${r.requests_per_s} req/s, p99 ${r.p99_ms} ms`);
          }
        } finally {
          await floor.stop();
          rmSync(dir, { recursive: true, force: true });
        }
      }
    }
  } finally {
    await stub.stop();
  }
  if (!available) {
    report.status = 'not available yet';
    report.note('endpoints are not available yet in this build (GET /endpoints is not routed)');
    console.log('  endpoints: not available yet');
    return report.finish(o.out);
  }
  const runs = report.rows.filter((r) => r.kind === 'run');
  console.log('\n' + formatTable(runs, ['system', 'connections', 'requests_per_s', 'p50_ms', 'p99_ms', 'non2xx', 'errors', 'cpu_us', 'load1']));
  const targets: Record<string, unknown> = { kind: 'targets', target_ratio: ENDPOINTS_DEFAULTS.targetRatio };
  for (const sync of ['FULL', 'NORMAL']) {
    const w = runs.find((r) => r.system === `weft sqlite ${sync}` && r.connections === levels[levels.length - 1]);
    const f = runs.find((r) => r.system === `floor: Fastify + better-sqlite3 ${sync}` && r.connections === levels[levels.length - 1]);
    if (w && f) {
      const ratio = Math.round((Number(w.requests_per_s) / Number(f.requests_per_s)) * 100) / 100;
      targets[sync] = { weft: w.requests_per_s, floor: f.requests_per_s, ratio, met: ratio >= ENDPOINTS_DEFAULTS.targetRatio };
    }
  }
  report.row(targets);
  console.log('\ntargets: ' + JSON.stringify(targets));
  return report.finish(o.out);
}

