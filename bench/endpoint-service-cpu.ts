// npx tsx bench/endpoint-service-cpu.ts [repo]
// CPU µs per request of the endpoint service alone, in process: authenticate, resolve and serve the
// endpoints scenario's endpoint (one lookup, a mapping, state) on SQLite at synchronous=NORMAL, 16
// requests in flight, the lookup answered at once by a stand-in (no sockets, no Fastify). Prints the
// minimum and median of 7 rounds of 20,000 requests: the whole process's CPU (the checkpointer's
// thread included) and the main thread's alone, which the checkpointer's fsyncs do not blur. [repo] (default: this one) lets another
// worktree's sources be measured back to back with these.
import { REPO } from './lib/paths.js';
import { HARNESS_KEY, cpuPerOp, inProcessStore, reportRounds } from './lib/cpu-rounds.js';
import { benchEndpoint } from './scenarios/endpoints/endpoints-scenario.js';

const repo = process.argv[2] ?? REPO;
const { createEndpointService } = await import(`${repo}/src/engine/endpoint/endpoint-service.ts`);

const { store, bus, auth, ws, clock, close } = await inProcessStore(repo, 'endpoint-cpu');
let n = 0;
// The upstream stub's answer.
const http = async () => ({
  status: 200,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ id: '42', name: 'Ada Lovelace', birthDate: '1815-12-10', token: `t${++n}` }),
});
const endpoints = createEndpointService({ store, settings: { httpTimeoutMs: 30000, httpAllowHosts: null, bodyLimitBytes: 1048576 }, clock, bus, http });
await endpoints.create(ws, benchEndpoint('http://127.0.0.1:9'));
const headers: Record<string, string> = { host: '127.0.0.1:3000', 'content-type': 'application/json', 'content-length': '14' };

async function one() {
  const k = await auth.authenticate(HARNESS_KEY);
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
await close();
