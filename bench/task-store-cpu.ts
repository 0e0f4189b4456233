// npx tsx bench/task-store-cpu.ts [FULL|NORMAL] [repo]
// CPU µs per task of the task store's drain path alone, in process: 50,000 tasks enqueued, then
// completed and claimed again by 2 lanes of 50 (each round of a lane: the completions of the tasks in
// hand and the next claim, queued together so they share a group commit, as the workers socket
// does). No sockets, no JSON frames, no rendering: what is left of the tasks scenario's server CPU is
// the store. Prints the minimum and median of 5 rounds, for the whole process and for its main thread
// alone (the event loop, without the checkpointer's thread and the fsyncs of the thread pool).
// [repo] (default: this one) lets another worktree's sources be measured back to back with these.
import { REPO } from './lib/paths.js';
import { cpuPerOp, inProcessStore, reportRounds, type CpuPerOp } from './lib/cpu-rounds.js';

const synchronous = (process.argv[2] ?? 'NORMAL').toUpperCase() as 'FULL' | 'NORMAL';
const repo = process.argv[3] ?? REPO;
const { newLeaseToken } = await import(`${repo}/src/engine/task-service.ts`);

const TASKS = 50_000;
const PER_CLAIM = 50;
const LANES = 2;
const TYPE = 'bench.noop';

const { store, ws, close } = await inProcessStore(repo, 'task-store-cpu', synchronous);

interface Held {
  id: number;
  leaseToken: string | null;
}

async function round(): Promise<CpuPerOp> {
  for (let i = 0; i < TASKS; i += 1000) {
    const chunk = Array.from({ length: 1000 }, (_, j) => ({ name: `t${i + j}`, type: TYPE, payload: { i: i + j }, maxAttempts: 3 }));
    await store.tasks.createMany(ws, chunk, Date.now());
  }
  let completed = 0;
  const lane = async () => {
    let held: Held[] = [];
    for (;;) {
      const now = Date.now();
      const acks = held.length > 0 ? store.tasks.completeMany(ws, held.map((t) => ({ id: t.id, token: t.leaseToken, result: null })), now) : null;
      const claimed = store.tasks.claim({ ws, types: [TYPE], max: PER_CLAIM, cap: 1_000_000, runner: 'external', owner: 'bench', workerId: 'bench', leaseExpiresAt: now + 60_000, now, newToken: newLeaseToken });
      if (acks) {
        const outcomes: unknown[] = await acks;
        const refused = outcomes.find((o) => typeof o === 'string');
        if (refused) throw new Error(`a completion was refused: ${refused}`);
        completed += outcomes.length;
      }
      held = await claimed;
      if (held.length === 0) return;
    }
  };
  const used = await cpuPerOp(TASKS, () => Promise.all(Array.from({ length: LANES }, lane)));
  if (completed !== TASKS) throw new Error(`completed ${completed} of ${TASKS}`);
  return used;
}

await reportRounds(`${repo} ${synchronous}: µs/task`, 5, round);
await close();
