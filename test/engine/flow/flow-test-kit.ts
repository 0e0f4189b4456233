import WebSocket from 'ws';
import { TEST_KEY, type RunningWeft } from '../../helpers/weft.js';

// Helpers for the flows tests that go through a real server (REST and /ws/flows).

type T = [identifier: string, from: string, to: string, type?: 'manual' | 'automatic', condition?: string];

/** A POST /v1/flows body from step identifiers and [identifier, from, to, type, condition] tuples. */
export function flowBody(identifier: string, steps: string[], transitions: T[]) {
  return {
    identifier,
    name: identifier,
    description: `test flow ${identifier}`,
    steps: steps.map((s) => ({ identifier: s, name: s })),
    transitions: transitions.map(([id, from, to, type, condition]) => ({ identifier: id, from, to, ...(type ? { type } : {}), ...(condition ? { condition } : {}) })),
  };
}

export function flowApi(weft: RunningWeft, workspace: string) {
  const q = `workspace_id=${encodeURIComponent(workspace)}`;
  const at = (path: string) => `${path}${path.includes('?') ? '&' : '?'}${q}`;
  return {
    get: (path: string) => weft.api(at(path)),
    post: (path: string, json?: unknown) => weft.api(at(path), { method: 'POST', ...(json === undefined ? {} : { json }) }),
    put: (path: string, json: unknown) => weft.api(at(path), { method: 'PUT', json }),
    raw: (path: string, init: RequestInit & { key?: string | null }) => weft.api(at(path), init),
    async define(body: unknown) {
      const r = await this.post('/v1/flows', body);
      if (r.status !== 201) throw new Error(`define failed: ${r.status} ${r.text}`);
      return r.body;
    },
    async start(flow: string, subject: string, data?: unknown) {
      const r = await this.post('/v1/flow-instances', { flow, subject, ...(data === undefined ? {} : { data }) });
      if (r.status !== 201) throw new Error(`start failed: ${r.status} ${r.text}`);
      return r.body;
    },
    fire(id: string, transition: string, extra: Record<string, unknown> = {}) {
      return this.post(`/v1/flow-instances/${id}/transitions`, { transition, ...extra });
    },
  };
}

export interface FlowEvent {
  event: string;
  data: { id: string; seq: number; state: string; steps: Record<string, string>; subject: string; flow: string };
}

export interface FlowSocket {
  ws: WebSocket;
  events: FlowEvent[];
  /** Every frame that is not an answer to a request (pushed events), and answers by request_id. */
  request(action: string, data?: unknown, requestId?: string | number): Promise<any>;
  /** Sends a raw frame (a text frame, or a binary one holding these bytes) and resolves with the next frame that is not an event. */
  raw(text: string | Buffer): Promise<any>;
  waitEvents(n: number, timeoutMs?: number): Promise<FlowEvent[]>;
  close(): Promise<void>;
}

let counter = 0;

export function openFlowSocket(weft: RunningWeft, workspace: string, key: string = TEST_KEY): Promise<FlowSocket> {
  const url = `${weft.wsUrl}/ws/flows?api_key=${encodeURIComponent(key)}&workspace_id=${encodeURIComponent(workspace)}`;
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const events: FlowEvent[] = [];
    // Several requests may share a request_id (idempotency tests): answers go to them first come, first served.
    const pending = new Map<string, Array<(v: unknown) => void>>();
    const unmatched: Array<(v: unknown) => void> = [];
    const eventWaiters: Array<() => void> = [];
    ws.on('message', (raw) => {
      const msg = JSON.parse(raw.toString());
      if (msg.event !== undefined) {
        events.push(msg);
        for (const w of eventWaiters.splice(0)) w();
        return;
      }
      const key = JSON.stringify(msg.request_id);
      const waiters = pending.get(key);
      if (waiters && waiters.length > 0 && msg.request_id !== null) {
        waiters.shift()!(msg);
        if (waiters.length === 0) pending.delete(key);
      } else {
        unmatched.shift()?.(msg);
      }
    });
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode, body: JSON.parse(body || 'null') })));
    });
    ws.on('error', reject);
    ws.on('open', () =>
      resolve({
        ws,
        events,
        request(action, data, requestId) {
          const rid = requestId ?? `r${++counter}`;
          return new Promise((res) => {
            const key = JSON.stringify(rid);
            pending.set(key, [...(pending.get(key) ?? []), res]);
            ws.send(JSON.stringify({ action, request_id: rid, ...(data === undefined ? {} : { data }) }));
          });
        },
        raw(text) {
          return new Promise((res) => {
            unmatched.push(res);
            ws.send(text, { binary: Buffer.isBuffer(text) });
          });
        },
        async waitEvents(n, timeoutMs = 10_000) {
          const deadline = Date.now() + timeoutMs;
          while (events.length < n) {
            if (Date.now() > deadline) throw new Error(`expected ${n} events, got ${events.length}`);
            await new Promise<void>((r) => {
              const t = setTimeout(r, 50);
              eventWaiters.push(() => (clearTimeout(t), r()));
            });
          }
          return events;
        },
        close() {
          return new Promise((r) => {
            if (ws.readyState === ws.CLOSED) return r();
            ws.once('close', () => r());
            ws.close();
          });
        },
      }),
    );
  });
}
