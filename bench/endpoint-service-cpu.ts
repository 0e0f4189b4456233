// npx tsx bench/endpoint-service-cpu.ts [repo]
// CPU µs per request of the endpoint service alone, in process: authenticate, resolve and serve the
// endpoints scenario's endpoint (one lookup, a mapping, state) on SQLite at synchronous=NORMAL, 16
// requests in flight, the lookup answered at once by a stand-in (no sockets, no Fastify). Prints the
// minimum and median of 7 rounds of 20,000 requests: the whole process's CPU (the checkpointer's
// thread included) and the main thread's alone, which the checkpointer's fsyncs do not blur. [repo] (default: this one) lets another
// worktree's sources be measured back to back with these.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO } from './lib/paths.js';
import { cpuPerOp, reportRounds } from './lib/cpu-rounds.js';
import { benchEndpoint } from './scenarios/endpoints/endpoints-scenario.js';

const repo = process.argv[2] ?? REPO;
const { createStore } = await import(`${repo}/src/storage/store.ts`);
const { createEventBus } = await import(`${repo}/src/engine/event-bus.ts`);
const { createAuthService } = await import(`${repo}/src/engine/auth-service.ts`);
const { createEndpointService } = await import(`${repo}/src/engine/endpoint/endpoint-service.ts`);
const { systemClock } = await import(`${repo}/src/engine/clock.ts`);

const KEY = 'bench-key-0123456789';
const dir = mkdtempSync(join(tmpdir(), 'weft-endpoint-cpu-'));
const store = await createStore({ databaseUrl: null, sqliteFile: join(dir, 'weft.db'), sqliteSynchronous: 'NORMAL' });
await store.migrate();
const bus = createEventBus();
store.onNotify((event: string, payload: unknown) => bus.emit(event as never, payload as never));
const auth = createAuthService(store, systemClock);
await auth.ensureKeys([KEY]);
let n = 0;
// The upstream stub's answer.
const http = async () => ({
  status: 200,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ id: '42', name: 'Ada Lovelace', birthDate: '1815-12-10', token: `t${++n}` }),
});
const endpoints = createEndpointService({ store, settings: { httpTimeoutMs: 30000, httpAllowHosts: null, bodyLimitBytes: 1048576 }, clock: systemClock, bus, http });
const key = await auth.authenticate(KEY);
await endpoints.create((await auth.workspace(key.id, undefined)).pk, benchEndpoint('http://127.0.0.1:9'));
const headers: Record<string, string> = { host: '127.0.0.1:3000', 'content-type': 'application/json', 'content-length': '14' };

async function one() {
  const k = await auth.authenticate(KEY);
  const resolved = await endpoints.resolve({ keyId: k.id, workspace: 'default', method: 'POST', path: '/bench/enrich/42' });
  const r = await endpoints.serve(resolved, { method: 'POST', path: '/bench/enrich/42', query: {}, headers: { ...headers }, rawBody: '{"code":"A01"}', contentType: 'application/json' });
  if (r.status !== 200) throw new Error(`unexpected reply ${r.status} ${r.body}`);
}

function round(total: number, inFlight = 16) {
  let left = total;
  const lane = async () => {
    while (left-- > 0) await one();
  };
  return cpuPerOp(total, () => Promise.all(Array.from({ length: inFlight }, lane)));
}

await reportRounds(`${repo}: µs/request`, 7, () => round(20000));
await endpoints.close();
await store.close();
rmSync(dir, { recursive: true, force: true });
