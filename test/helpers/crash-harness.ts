import { createServer, type Server } from 'node:http';
import { startChildWeft, type ChildWeft } from './child-weft.js';
import { TEST_KEY } from './weft.js';

// kill -9 under load, restart on the same data, and count acknowledged changes that were lost
// or applied twice. Used by test/cluster/crash-sqlite.test.ts (5 cycles) and
// `npm run stress:crash` (100 cycles).

export interface CrashReport {
  cycles: number;
  acknowledged: { tasks: number; transitions: number; launches: number; proceeds: number };
  lost: number;
  duplicated: number;
  problems: string[];
}

interface Ledger {
  tasks: Map<string, true>;
  /** instance id → acknowledged request ids */
  transitions: Map<string, Set<string>>;
  launches: Set<string>;
  /** wfid → proceeded workitem ids */
  proceeds: Map<string, Set<string>>;
  /** workitems a participant received: wfid → workitem ids not yet proceeded */
  offered: Map<string, string[]>;
}

const FLOW = {
  identifier: 'pingpong',
  name: 'Ping pong',
  description: 'two steps that pass the turn back and forth forever',
  steps: [
    { identifier: 'a', name: 'A' },
    { identifier: 'b', name: 'B' },
  ],
  transitions: [
    { identifier: 'go', from: 'a', to: 'b' },
    { identifier: 'go', from: 'b', to: 'a' },
  ],
};

// 'start' has no incoming transition: it begins the game and hands over to the cycle.
FLOW.steps.unshift({ identifier: 'start', name: 'Start' });
FLOW.transitions.unshift({ identifier: 'go', from: 'start', to: 'a' });

async function call(url: string, path: string, method = 'GET', json?: unknown) {
  const res = await fetch(url + path, {
    method,
    headers: { 'x-api-key': TEST_KEY, ...(json !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: json !== undefined ? JSON.stringify(json) : undefined,
  });
  const text = await res.text();
  let body: any = text;
  try {
    body = JSON.parse(text);
  } catch {
    // text
  }
  return { status: res.status, body };
}

/** A participant receiver on loopback: records the workitems it is offered, answers 200. */
function startReceiver(ledger: Ledger): Promise<{ url: string; server: Server }> {
  return new Promise((resolve) => {
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        try {
          const d = JSON.parse(body) as { workflow_id: string; workitem_id: string; status: string };
          if (d.status === 'active') {
            const list = ledger.offered.get(d.workflow_id) ?? [];
            if (!list.includes(d.workitem_id)) list.push(d.workitem_id);
            ledger.offered.set(d.workflow_id, list);
          }
        } catch {
          // ignore
        }
        res.writeHead(200).end('ok');
      });
    });
    server.listen(0, '127.0.0.1', () => {
      const a = server.address();
      resolve({ url: `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}/callback`, server });
    });
  });
}

async function load(weft: ChildWeft, ledger: Ledger, receiver: string, instances: string[], stop: { now: boolean }, seq: { n: number }) {
  const workers = Array.from({ length: 8 }, async (_, w) => {
    while (!stop.now) {
      const n = seq.n++;
      try {
        const pick = n % 4;
        if (pick === 0) {
          const name = `task-${n}`;
          const r = await call(weft.url, '/tasks', 'POST', { name, type: 'crash.job' });
          if (r.status === 200) ledger.tasks.set(name, true);
        } else if (pick === 1) {
          const id = instances[(n + w) % instances.length];
          const rid = `r-${n}`;
          const r = await call(weft.url, `/v1/flow-instances/${id}/transitions`, 'POST', { transition: 'go', request_id: rid });
          if (r.status === 200) ledger.transitions.get(id)!.add(rid);
        } else if (pick === 2) {
          const r = await call(weft.url, '/v1/workflows', 'POST', {
            workflow: ['define', {}, [['sequence', {}, [['participant', { ref: 'alpha' }, []], ['participant', { ref: 'bravo' }, []]]]]],
            callback: receiver,
          });
          if (r.status === 201) ledger.launches.add(r.body.id);
        } else {
          // Proceed one offered workitem.
          for (const [wfid, items] of ledger.offered) {
            const done = ledger.proceeds.get(wfid) ?? new Set();
            const item = items.find((i) => !done.has(i));
            if (!item) continue;
            const r = await call(weft.url, `/v1/workflows/${wfid}/workitems/${encodeURIComponent(item)}/proceed`, 'POST', { fields: { by: `w${w}` } });
            if (r.status === 201) {
              done.add(item);
              ledger.proceeds.set(wfid, done);
            }
            break;
          }
        }
      } catch {
        // the server died under us: the request is in doubt, not acknowledged
      }
    }
  });
  await Promise.all(workers);
}

async function verify(weft: ChildWeft, ledger: Ledger, report: CrashReport) {
  const tasks = (await call(weft.url, '/tasks')).body.tasks as Array<{ name: string }>;
  const counts = new Map<string, number>();
  for (const t of tasks) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
  for (const name of ledger.tasks.keys()) {
    const c = counts.get(name) ?? 0;
    if (c === 0) (report.lost++, report.problems.push(`task ${name} lost`));
    if (c > 1) (report.duplicated++, report.problems.push(`task ${name} ×${c}`));
  }
  for (const [id, rids] of ledger.transitions) {
    const history = (await call(weft.url, `/v1/flow-instances/${id}/history`)).body.history as Array<{ request_id: string | null }>;
    const seen = new Map<string, number>();
    for (const h of history) if (h.request_id) seen.set(h.request_id, (seen.get(h.request_id) ?? 0) + 1);
    for (const rid of rids) {
      const c = seen.get(rid) ?? 0;
      if (c === 0) (report.lost++, report.problems.push(`transition ${rid} on ${id} lost`));
    }
    for (const [rid, c] of seen) if (c > 1) (report.duplicated++, report.problems.push(`transition ${rid} on ${id} ×${c}`));
  }
  for (const wfid of ledger.launches) {
    const r = await call(weft.url, `/v1/workflows/${wfid}`);
    if (r.status !== 200) {
      report.lost++;
      report.problems.push(`launch ${wfid} lost (${r.status})`);
      continue;
    }
    const active = new Set((r.body.workitems as Array<{ workitem_id: string }>).map((w) => w.workitem_id));
    for (const item of ledger.proceeds.get(wfid) ?? []) {
      if (active.has(item)) (report.lost++, report.problems.push(`proceed of ${item} lost`));
    }
  }
}

export async function runCrashCycles(opts: { cycles: number; dataDir: string; env?: Record<string, string>; log?: (line: string) => void }): Promise<CrashReport> {
  const ledger: Ledger = { tasks: new Map(), transitions: new Map(), launches: new Set(), proceeds: new Map(), offered: new Map() };
  const report: CrashReport = { cycles: 0, acknowledged: { tasks: 0, transitions: 0, launches: 0, proceeds: 0 }, lost: 0, duplicated: 0, problems: [] };
  const receiver = await startReceiver(ledger);
  const env = { WEFT_DATA_DIR: opts.dataDir, WEFT_API_KEYS: TEST_KEY, WEFT_WORKER_TYPES: 'crash.job', ...opts.env };
  const instances: string[] = [];
  const seq = { n: 0 };
  try {
    for (let cycle = 0; cycle < opts.cycles; cycle++) {
      const weft = await startChildWeft(env);
      try {
        if (cycle > 0) await verify(weft, ledger, report);
        if (cycle === 0) {
          await call(weft.url, '/v1/flows', 'POST', FLOW);
          for (let i = 0; i < 10; i++) {
            const r = await call(weft.url, '/v1/flow-instances', 'POST', { flow: 'pingpong', subject: `player-${i}` });
            instances.push(r.body.id);
            ledger.transitions.set(r.body.id, new Set());
          }
        }
        const stop = { now: false };
        const running = load(weft, ledger, receiver.url, instances, stop, seq);
        // Kill at a random moment of the load.
        await new Promise((r) => setTimeout(r, 300 + Math.floor(Math.random() * 900)));
        weft.child.kill('SIGKILL');
        await weft.exited;
        stop.now = true;
        await running;
      } finally {
        weft.child.kill('SIGKILL');
      }
      report.cycles++;
      opts.log?.(`cycle ${cycle + 1}: lost ${report.lost}, duplicated ${report.duplicated}`);
    }
    const last = await startChildWeft(env);
    try {
      await verify(last, ledger, report);
    } finally {
      last.child.kill('SIGTERM');
      await last.exited;
    }
  } finally {
    receiver.server.close();
  }
  report.acknowledged = {
    tasks: ledger.tasks.size,
    transitions: [...ledger.transitions.values()].reduce((n, s) => n + s.size, 0),
    launches: ledger.launches.size,
    proceeds: [...ledger.proceeds.values()].reduce((n, s) => n + s.size, 0),
  };
  return report;
}
