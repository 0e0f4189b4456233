import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { Report, formatTable, type ScenarioResult } from '../../lib/report.js';
import { selected, type BenchOptions } from '../../lib/options.js';
import { PG_URL, RESULTS_DIR } from '../../lib/paths.js';
import { load, weftVersion } from '../../lib/machine.js';
import { api, routeExists } from '../../lib/http.js';
import { RpcSocket } from '../../lib/ws-rpc.js';
import { CallbackReceiver } from '../../lib/callback-receiver.js';
import { sleep } from '../../lib/stats.js';
import { windowed } from '../tasks/queue-system.js';
import { BENCH_KEY, backendLabel, dropPgSchema, startWeft, type WeftBackend, type WeftProcess } from '../../lib/weft-process.js';
import { pgInfo } from '../tasks/pg-info.js';
import { existsSync, rmSync, statSync } from 'node:fs';

export const RECOVERY_DEFAULTS = {
  instances: 100_000,
  timers: 10_000,
  // Creating the instances stops here even if fewer than asked exist (reported as such).
  instanceSeconds: 20,
  // The timers all fall due at one moment this long after their launches begin.
  timerLeadSeconds: 20,
  targetServingMs: 1000,
  targetTimersMs: 5000,
};

const FLOW = {
  identifier: 'bench-live',
  name: 'live instances',
  description: 'start → a ⇄ b',
  steps: [{ identifier: 'start' }, { identifier: 'a' }, { identifier: 'b' }],
  transitions: [
    { identifier: 'go', from: 'start', to: 'a', type: 'automatic' },
    { identifier: 'next', from: 'a', to: 'b' },
    { identifier: 'next', from: 'b', to: 'a' },
  ],
};

/** Counts the timer rows still pending, straight from the database (the moment the last one fires is when this reaches 0). */
function timerCounter(weft: WeftProcess): { count(): Promise<number>; close(): Promise<void> } {
  if (weft.pgSchema) {
    const pool = new pg.Pool({ connectionString: PG_URL, max: 1 });
    return {
      count: async () => Number((await pool.query(`SELECT count(*)::int AS n FROM "${weft.pgSchema}".process_timers`)).rows[0].n),
      close: () => pool.end(),
    };
  }
  const db = new Database(join(weft.dataDir, 'weft.db'), { readonly: true, fileMustExist: true });
  const st = db.prepare('SELECT count(*) AS n FROM process_timers');
  return {
    count: async () => (st.get() as { n: number }).n,
    close: async () => {
      db.close();
    },
  };
}

async function createInstances(weft: WeftProcess, n: number, deadline: number): Promise<number> {
  const url = `${weft.url.replace('http', 'ws')}/ws/flows?api_key=${BENCH_KEY}`;
  const sockets = await Promise.all(Array.from({ length: 8 }, () => RpcSocket.open(url)));
  let created = 0;
  try {
    await windowed(n, 512, async (i) => {
      if (Date.now() > deadline) return;
      const r = await sockets[i % sockets.length].call('start', { flow: FLOW.identifier, subject: `live-${i}` });
      if (r.status !== 200) throw new Error(`start → ${r.status} ${JSON.stringify(r.errors)}`);
      created++;
    });
  } finally {
    for (const s of sockets) s.close();
  }
  return created;
}

export async function runRecovery(o: BenchOptions): Promise<ScenarioResult> {
  const instances = o.n ?? RECOVERY_DEFAULTS.instances;
  const timers = RECOVERY_DEFAULTS.timers;
  const report = new Report('recovery', {
    instances_asked: instances,
    timers_asked: timers,
    instance_seconds_cap: RECOVERY_DEFAULTS.instanceSeconds,
    flow: FLOW,
    process: 'sequence [wait until <T>, participant "after"]; all timers due at the same T, which passes while weft is down',
    method: 'kill -9 just before T, restart just after T; measured from the restart (spawn): /healthz 200, every timer row gone, every "after" callback received',
  });
  report.versions.weft = weftVersion();
  console.log(`\n## recovery: ${instances} live flow instances, ${timers} pending timers, kill -9, restart`);
  const backends: WeftBackend[] = [{ kind: 'sqlite', synchronous: 'FULL' }];
  if (o.only) backends.push({ kind: 'sqlite', synchronous: 'NORMAL' }, { kind: 'postgres' });
  let available = true;

  for (const backend of backends) {
    const label = backendLabel(backend);
    if (!selected(o, label)) continue;
    const receiver = new CallbackReceiver(() => {});
    const seen = new Set<string>();
    const callback = await receiver.listen();
    let weft: WeftProcess | null = await startWeft({ backend });
    const emptyStartupMs = weft.startupMs;
    const dataDir = weft.dataDir;
    const pgSchema = weft.pgSchema ?? undefined;
    let restarted: WeftProcess | null = null;
    try {
      if (!(await routeExists(weft.url, 'GET', '/v1/flows')) || !(await routeExists(weft.url, 'GET', '/v1/workflows'))) {
        available = false;
        break;
      }
      report.durability[label] = backend.kind === 'sqlite' ? `SQLite WAL synchronous=${backend.synchronous}` : await pgInfo(report);
      await api(weft.url, 'POST', '/v1/flows', FLOW, [201]);
      const t0 = performance.now();
      const created = await createInstances(weft, instances, Date.now() + RECOVERY_DEFAULTS.instanceSeconds * 1000);
      const instanceSeconds = (performance.now() - t0) / 1000;
      console.log(`  ${label}: ${created} instances in ${instanceSeconds.toFixed(1)} s`);
      if (created < instances) report.note(`${label}: ${created} of ${instances} instances were created within ${RECOVERY_DEFAULTS.instanceSeconds} s`);

      const due = Date.now() + RECOVERY_DEFAULTS.timerLeadSeconds * 1000;
      const workflow = ['define', {}, [['sequence', {}, [['wait', { until: new Date(due).toISOString() }, []], ['participant', { ref: 'after' }, []]]]]];
      let launched = 0;
      const w = weft;
      await windowed(timers, 128, async () => {
        if (Date.now() > due - 2500) return;
        await api(w.url, 'POST', '/v1/workflows', { workflow, callback }, [201]);
        launched++;
      });
      if (launched < timers) report.note(`${label}: ${launched} of ${timers} timers were scheduled before their due time came near`);
      const counter0 = timerCounter(weft);
      const pendingBefore = await counter0.count();
      await counter0.close();
      console.log(`  ${label}: ${launched} processes launched, ${pendingBefore} timers pending`);

      while (Date.now() < due - 500) await sleep(20);
      const killedAt = performance.now();
      await weft.kill9();
      weft = null;
      while (Date.now() < due + 200) await sleep(10);
      const gapMs = performance.now() - killedAt;

      receiver.onDelivery = (d) => {
        if (d.participant === 'after') seen.add(d.workflow_id);
      };
      const size = (f: string) => (existsSync(join(dataDir, f)) ? statSync(join(dataDir, f)).size : null);
      const files = backend.kind === 'sqlite' ? { db_bytes: size('weft.db'), wal_bytes: size('weft.db-wal') } : {};
      // With --profile, the restarted server (stopped cleanly at the end) writes a CPU profile of its start and catch-up.
      const cpuProfDir = o.profile ? join(RESULTS_DIR, 'profiles', 'recovery', label.replace(/ /g, '-')) : undefined;
      restarted = await startWeft({ backend, dataDir, pgSchema, cpuProfDir });
      const spawnToHealthy = restarted.startupMs;
      const spawnedAt = performance.now() - spawnToHealthy;
      const counter = timerCounter(restarted);
      let firedMs: number | null = null;
      let firedCpuMs: number | null = null;
      let deliveredMs: number | null = null;
      const limit = performance.now() + 60_000;
      while (performance.now() < limit && (firedMs === null || deliveredMs === null)) {
        if (firedMs === null && (await counter.count()) === 0) {
          firedMs = performance.now() - spawnedAt;
          // The server's CPU from its start (loading included) to the last timer: independent of the machine's load.
          firedCpuMs = restarted.cpuMs();
        }
        if (deliveredMs === null && seen.size >= launched) deliveredMs = performance.now() - spawnedAt;
        await sleep(10);
      }
      await counter.close();
      const row = {
        kind: 'run',
        system: label,
        instances: created,
        instance_create_per_s: Math.round(created / instanceSeconds),
        timers: pendingBefore,
        kill_to_restart_gap_ms: Math.round(gapMs),
        empty_startup_ms: Math.round(emptyStartupMs),
        restart_to_healthz_ms: Math.round(spawnToHealthy),
        restart_to_all_timers_fired_ms: firedMs === null ? null : Math.round(firedMs),
        server_cpu_ms_to_timers_fired: firedCpuMs === null ? null : Math.round(firedCpuMs),
        restart_to_all_callbacks_ms: deliveredMs === null ? null : Math.round(deliveredMs),
        callbacks_received: seen.size,
        ...files,
        load1: load()[0],
      };
      report.row(row);
      console.log(
        `  ${label}: restart → /healthz ${row.restart_to_healthz_ms} ms (empty database: ${row.empty_startup_ms} ms), → all timers fired ${row.restart_to_all_timers_fired_ms} ms (server CPU ${row.server_cpu_ms_to_timers_fired} ms), → all callbacks ${row.restart_to_all_callbacks_ms} ms`,
      );
    } catch (err) {
      report.status = 'partial';
      report.note(`${label} failed: ${(err as Error).stack ?? err}`);
    } finally {
      await receiver.close();
      if (weft) await weft.cleanup();
      if (restarted) {
        await restarted.stop();
        await restarted.cleanup();
      }
      // The restarted process reused the first one's folder / schema: remove them here.
      rmSync(dataDir, { recursive: true, force: true });
      if (pgSchema) await dropPgSchema(pgSchema).catch(() => {});
    }
  }
  if (!available) {
    report.status = 'not available yet';
    report.note('flows or processes are not available yet in this build');
    console.log('  recovery: not available yet');
    return report.finish(o.out);
  }
  const runs = report.rows.filter((r) => r.kind === 'run');
  console.log(
    '\n' +
      formatTable(runs, ['system', 'instances', 'timers', 'empty_startup_ms', 'restart_to_healthz_ms', 'restart_to_all_timers_fired_ms', 'server_cpu_ms_to_timers_fired', 'restart_to_all_callbacks_ms', 'load1']),
  );
  const t = {
    kind: 'targets',
    serving_target_ms: RECOVERY_DEFAULTS.targetServingMs,
    timers_target_ms: RECOVERY_DEFAULTS.targetTimersMs,
    results: Object.fromEntries(
      runs.map((r) => [
        String(r.system),
        {
          serving_met: Number(r.restart_to_healthz_ms) <= RECOVERY_DEFAULTS.targetServingMs,
          serving_beyond_empty_start_ms: Number(r.restart_to_healthz_ms) - Number(r.empty_startup_ms),
          timers_met: r.restart_to_all_timers_fired_ms !== null && Number(r.restart_to_all_timers_fired_ms) <= RECOVERY_DEFAULTS.targetTimersMs,
        },
      ]),
    ),
  };
  report.row(t);
  console.log('\ntargets: ' + JSON.stringify(t));
  return report.finish(o.out);
}

