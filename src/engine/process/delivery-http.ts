import type { Agent } from 'undici';
import { loadUndici } from '../undici.js';
import type { DeliveryRecord } from '../../storage/process-store.js';
import { webhookHeaders } from './delivery-signing.js';

export type DeliveryResult = { ok: true } | { ok: false; error: string; stopped: boolean };

export interface DeliveryHttp {
  send(d: DeliveryRecord, now: number, stop: AbortSignal): Promise<DeliveryResult>;
  close(): Promise<void>;
}

/** One attempt in flight: aborted when its deadline passes or the sender stops. */
interface Attempt {
  deadline: number;
  controller: AbortController;
  done: boolean;
  timedOut: boolean;
}

/**
 * Deadlines of the attempts in flight. PERF: an AbortSignal.timeout and an AbortSignal.any per
 * attempt cost ~40 µs here (a timer and a composite signal each); every attempt has the same
 * timeout, so deadlines come in start order and one timer, armed for the oldest, serves them all.
 */
function createDeadlines(timeoutMs: number) {
  const queue: Attempt[] = [];
  let head = 0;
  let timer: NodeJS.Timeout | null = null;

  function expire() {
    timer = null;
    const now = Date.now();
    while (head < queue.length && (queue[head].done || queue[head].deadline <= now)) {
      const a = queue[head++];
      if (!a.done) {
        a.timedOut = true;
        a.controller.abort();
      }
    }
    compact();
    arm();
  }
  function compact() {
    if (head === queue.length) {
      queue.length = 0;
      head = 0;
    } else if (head > 1024 && head * 2 > queue.length) {
      queue.splice(0, head);
      head = 0;
    }
  }
  function arm() {
    if (timer || head >= queue.length) return;
    timer = setTimeout(expire, Math.max(0, queue[head].deadline - Date.now()));
    timer.unref();
  }

  return {
    start(): Attempt {
      const a: Attempt = { deadline: Date.now() + timeoutMs, controller: new AbortController(), done: false, timedOut: false };
      queue.push(a);
      arm();
      return a;
    },
    finish(a: Attempt) {
      a.done = true;
      while (head < queue.length && queue[head].done) head++;
      compact();
      // An idle sender keeps no timer; otherwise the armed one re-arms for the oldest left when it fires.
      if (head >= queue.length && timer) {
        clearTimeout(timer);
        timer = null;
      }
    },
    /** Aborts every attempt in flight (the sender is stopping). */
    abortAll() {
      for (let i = head; i < queue.length; i++) if (!queue[i].done) queue[i].controller.abort();
    },
  };
}

/** POSTs participant callbacks over one keep-alive agent. A 2xx answer is delivery. */
export function createDeliveryHttp(opts: { timeoutMs: number; signingKey: Buffer | null }): DeliveryHttp {
  let agent: Agent | null = null;
  const deadlines = createDeadlines(opts.timeoutMs);
  const stops = new WeakSet<AbortSignal>();
  return {
    async send(d, now, stop) {
      const { Agent, request } = await loadUndici();
      // Default 10 s keep-alive: a participant called once is often called again soon.
      agent ??= new Agent({ keepAliveTimeout: 10_000, connections: 64 });
      if (!stops.has(stop)) {
        stops.add(stop);
        stop.addEventListener('abort', () => deadlines.abortAll(), { once: true });
      }
      if (stop.aborted) return { ok: false, error: 'stopped', stopped: true };
      const attempt = deadlines.start();
      try {
        const res = await request(d.url, {
          method: 'POST',
          dispatcher: agent,
          signal: attempt.controller.signal,
          headersTimeout: opts.timeoutMs,
          bodyTimeout: opts.timeoutMs,
          headers: { 'content-type': 'application/json', 'user-agent': 'weft', ...webhookHeaders(opts.signingKey, d.webhookId, now, d.body) },
          body: d.body,
        });
        await res.body.dump().catch(() => {});
        if (res.statusCode >= 200 && res.statusCode < 300) return { ok: true };
        return { ok: false, error: `HTTP ${res.statusCode}`, stopped: false };
      } catch (err) {
        if (stop.aborted) return { ok: false, error: 'stopped', stopped: true };
        if (attempt.timedOut) return { ok: false, error: `no answer within ${opts.timeoutMs} ms`, stopped: false };
        const e = err as { code?: string; message?: string; cause?: { code?: string; message?: string } };
        return { ok: false, error: e.cause?.code ?? e.code ?? e.message ?? String(err), stopped: false };
      } finally {
        deadlines.finish(attempt);
      }
    },
    close: async () => {
      await agent?.close();
    },
  };
}
