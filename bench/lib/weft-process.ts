import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { PG_URL, REPO } from './paths.js';
import { sleep } from './stats.js';

export const BENCH_KEY = 'bench-key-0123456789';
export const WORKER_TYPE = 'bench.noop';

export type WeftBackend = { kind: 'sqlite'; synchronous: 'FULL' | 'NORMAL' } | { kind: 'postgres' };

export const backendLabel = (b: WeftBackend) => (b.kind === 'sqlite' ? `weft sqlite ${b.synchronous}` : 'weft postgres');

export interface WeftProcessOptions {
  backend: WeftBackend;
  env?: Record<string, string>;
  /** Writes a V8 CPU profile (node --cpu-prof) of the server into this folder on a clean stop. */
  cpuProfDir?: string;
  /** Reuse a data folder / schema (restarts); otherwise a fresh one is made. */
  dataDir?: string;
  pgSchema?: string;
}

export interface WeftProcess {
  url: string;
  port: number;
  dataDir: string;
  pgSchema: string | null;
  child: ChildProcess;
  /** ms from spawn until /healthz answered 200. */
  startupMs: number;
  /** CPU time (user + system, ms) the server process has used so far; differences give CPU per operation whatever the machine's load. */
  cpuMs(): number;
  output(): string;
  /** SIGTERM and wait (a CPU profile is written on this path). */
  stop(): Promise<void>;
  /** kill -9; resolves when the process is gone. */
  kill9(): Promise<void>;
  /** Removes the data folder / drops the schema. */
  cleanup(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

export async function dropPgSchema(schema: string) {
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  try {
    await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await c.end();
  }
}

/**
 * Starts `weft serve` as its own process (bin/weft.js, as `npm start` does), so the load
 * generator never shares its event loop, and waits for /healthz.
 */
export async function startWeft(opts: WeftProcessOptions): Promise<WeftProcess> {
  const port = await freePort();
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'weft-bench-'));
  const pgSchema = opts.backend.kind === 'postgres' ? (opts.pgSchema ?? `weft_bench_${process.pid}_${Date.now().toString(36)}`) : null;
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    WEFT_HOST: '127.0.0.1',
    WEFT_PORT: String(port),
    // proceed_url must reach the server from the bench process (localhost may resolve to ::1).
    WEFT_PUBLIC_URL: `http://127.0.0.1:${port}`,
    WEFT_DATA_DIR: dataDir,
    WEFT_API_KEYS: BENCH_KEY,
    WEFT_LOG_LEVEL: 'warn',
    WEFT_WORKER_TYPES: WORKER_TYPE,
    // The benchmark's workers are external; the demo catalog's built-in runner stays idle.
    WEFT_BUILTIN_RUNNER: 'false',
    ...(opts.backend.kind === 'sqlite'
      ? { WEFT_SQLITE_SYNCHRONOUS: opts.backend.synchronous }
      : { WEFT_DATABASE_URL: PG_URL, WEFT_DATABASE_SCHEMA: pgSchema! }),
    ...(opts.env ?? {}),
  };
  const nodeArgs: string[] = [];
  if (opts.cpuProfDir) {
    mkdirSync(opts.cpuProfDir, { recursive: true });
    nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${opts.cpuProfDir}`);
    // Profiles of the TypeScript sources, so that bench/profile-summary.ts names .ts lines; with
    // BENCH_PROFILE_BUNDLE=1, of the bundle the benchmark measures (tsx's compiling stays out of it).
    if (!process.env.BENCH_PROFILE_BUNDLE) env.WEFT_FROM_SOURCE = '1';
  }
  const spawnedAt = performance.now();
  // bin/weft.js, as `npm start`: the server bundle (bench/run.ts rebuilds it first).
  const child = spawn(process.execPath, [...nodeArgs, 'bin/weft.js', 'serve'], { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (d: Buffer) => {
    out += d;
    if (out.length > 200_000) out = out.slice(-100_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  let exited = false;
  const exit = new Promise<void>((resolve) => child.on('exit', () => ((exited = true), resolve())));
  const url = `http://127.0.0.1:${port}`;
  const startupMs = await waitHealthy(url, () => exited, () => out, spawnedAt);
  return {
    url,
    port,
    dataDir,
    pgSchema,
    child,
    startupMs,
    cpuMs: () => processCpuMs(child.pid!),
    output: () => out,
    async stop() {
      if (exited) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20000);
      await exit;
      clearTimeout(timer);
    },
    async kill9() {
      if (exited) return;
      child.kill('SIGKILL');
      await exit;
    },
    async cleanup() {
      if (!exited) {
        child.kill('SIGKILL');
        await exit;
      }
      if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
      if (pgSchema && !opts.pgSchema) await dropPgSchema(pgSchema).catch(() => {});
    },
  };
}

const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

/** utime + stime of a process from /proc (Linux), in ms; NaN elsewhere. */
export function processCpuMs(pid: number): number {
  return statCpuMs(`/proc/${pid}/stat`);
}

/**
 * utime + stime of one thread (by default the process's main thread, whose id is the process's),
 * in ms; NaN off Linux. The event loop's own CPU, without the checkpointer's or the thread pool's.
 */
export function threadCpuMs(pid: number, tid = pid): number {
  return statCpuMs(`/proc/${pid}/task/${tid}/stat`);
}

function statCpuMs(path: string): number {
  try {
    const stat = readFileSync(path, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
  } catch {
    return NaN;
  }
}

/** Polls /healthz every 5 ms; resolves with the ms elapsed since `since`. */
export async function waitHealthy(url: string, dead: () => boolean, output: () => string, since: number, timeoutMs = 60000): Promise<number> {
  const deadline = since + timeoutMs;
  for (;;) {
    if (dead()) throw new Error(`weft exited before serving:\n${output()}`);
    try {
      const r = await fetch(`${url}/healthz`);
      await r.arrayBuffer();
      if (r.status === 200) return performance.now() - since;
    } catch {
      // not listening yet
    }
    if (performance.now() > deadline) throw new Error(`weft did not serve within ${timeoutMs} ms:\n${output()}`);
    await sleep(5);
  }
}

export const authHeaders = { 'x-api-key': BENCH_KEY, 'content-type': 'application/json' };
