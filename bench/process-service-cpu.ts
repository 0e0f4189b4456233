// npx tsx bench/process-service-cpu.ts [repo]
// CPU µs per workflow of the process service alone, in process: the processes scenario's
// three-participant sequence launched and proceeded on SQLite at synchronous=NORMAL by 64 launchers,
// each waiting for its workflow to complete before launching the next. A stand-in for the
// participants' HTTP (no sockets, no Fastify, no undici) answers every delivery at once and then
// proceeds it with its proceed_url's token. What is left of the processes scenario's server CPU is
// the interpreter, the step's rows and the store. Prints the minimum and median of 7 rounds of 3,000
// workflows: the whole process's CPU and the main thread's alone. [repo] (default: this one) lets
// another worktree's sources be measured back to back with these.
import { REPO } from './lib/paths.js';
import { cpuPerOp, inProcessStore, reportRounds } from './lib/cpu-rounds.js';
import { SEQUENCE } from './scenarios/processes/processes-scenario.js';

const repo = process.argv[2] ?? REPO;
const { createProcessService } = await import(`${repo}/src/engine/process/process-service.ts`);
const { compileSettings } = await import(`${repo}/src/engine/settings.ts`);

const LAST = 'charlie';
const { store, bus, ws, clock, close } = await inProcessStore(repo, 'process-cpu');

const waiting = new Map<string, () => void>();
let failures = 0;
// The participants: a delivery is answered at once, then proceeded (as the scenario's receiver does).
const http = {
  async send(d: { body: string }) {
    const b = JSON.parse(d.body) as { workflow_id: string; workitem_id: string; participant: string; status: string; proceed_url: string };
    if (b.status === 'active') {
      setImmediate(() => {
        const token = new URL(b.proceed_url).searchParams.get('token')!;
        service.proceed(b.workflow_id, b.workitem_id, undefined, { token }).then(
          () => b.participant === LAST && waiting.get(b.workflow_id)?.(),
          () => failures++,
        );
      });
    }
    return { ok: true as const };
  },
  close: async () => {},
};
const settings = compileSettings({}, { WEFT_PUBLIC_URL: 'http://127.0.0.1:3000' });
const service = createProcessService({ store, settings, clock, bus, onError: () => failures++, http });
service.start();

async function round(total: number, launchers = 64) {
  let left = total;
  const lane = async () => {
    while (left-- > 0) {
      const done = new Promise<void>((resolve) => {
        void service.launch(ws, { workflow: SEQUENCE, callback: 'http://127.0.0.1:9/callback' }).then(({ wfid }: { wfid: string }) => waiting.set(wfid, resolve));
      });
      await done;
    }
  };
  const used = await cpuPerOp(total, () => Promise.all(Array.from({ length: launchers }, lane)));
  if (failures > 0) throw new Error(`${failures} proceeds or sends failed`);
  waiting.clear();
  return used;
}

await reportRounds(`${repo}: µs/workflow`, 7, () => round(3000), 0);
await service.stop();
await close();
