import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { threadCpuMs } from './weft-process.js';

// The in-process harnesses (bench/*-cpu.ts): CPU per operation over rounds, the whole process's and
// the main thread's (the event loop's alone, which the checkpointer's thread and the thread pool's
// fsyncs do not blur).

export interface CpuPerOp {
  all: number;
  main: number;
}

/** CPU µs per operation of `work`, which does `ops` operations. */
export async function cpuPerOp(ops: number, work: () => Promise<unknown>): Promise<CpuPerOp> {
  const start = process.cpuUsage();
  const main0 = threadCpuMs(process.pid);
  await work();
  const used = process.cpuUsage(start);
  return { all: (used.user + used.system) / ops, main: ((threadCpuMs(process.pid) - main0) * 1000) / ops };
}

/** One round to warm up, then `n` measured; prints the minimum and median of each measure. */
export async function reportRounds(label: string, n: number, round: () => Promise<CpuPerOp>, digits = 1): Promise<void> {
  await round();
  const rounds: CpuPerOp[] = [];
  for (let i = 0; i < n; i++) rounds.push(await round());
  const summary = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return `${s[0].toFixed(digits)} (min), ${s[Math.floor(s.length / 2)].toFixed(digits)} (median); rounds ${xs.map((x) => x.toFixed(digits)).join(' ')}`;
  };
  console.log(`${label}, process ${summary(rounds.map((r) => r.all))}`);
  console.log(`${label}, main thread ${summary(rounds.map((r) => r.main))}`);
}

export const HARNESS_KEY = 'bench-key-0123456789';

/**
 * A store of `repo`'s sources on a fresh SQLite file, migrated, with its notifications on an event
 * bus, the bench key, and the key's default workspace (`ws`). `close` closes it and removes the file.
 */
export async function inProcessStore(repo: string, name: string, synchronous: 'FULL' | 'NORMAL' = 'NORMAL') {
  const { createStore } = await import(`${repo}/src/storage/store.ts`);
  const { createEventBus } = await import(`${repo}/src/engine/event-bus.ts`);
  const { createAuthService } = await import(`${repo}/src/engine/auth-service.ts`);
  const { systemClock } = await import(`${repo}/src/engine/clock.ts`);
  const dir = mkdtempSync(join(tmpdir(), `weft-${name}-`));
  const store = await createStore({ databaseUrl: null, sqliteFile: join(dir, 'weft.db'), sqliteSynchronous: synchronous });
  await store.migrate();
  const bus = createEventBus();
  store.onNotify((event: string, payload: unknown) => bus.emit(event as never, payload as never));
  const auth = createAuthService(store, systemClock);
  await auth.ensureKeys([HARNESS_KEY]);
  const ws: number = (await auth.workspace((await auth.authenticate(HARNESS_KEY)).id, undefined)).pk;
  return {
    store,
    bus,
    auth,
    ws,
    clock: systemClock,
    async close() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
