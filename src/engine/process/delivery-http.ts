import type { Agent } from 'undici';
import { loadUndici, originAndPath } from '../undici.js';
import { Deadline } from '../deadline.js';
import type { DeliveryRecord } from '../../storage/process-store.js';
import { webhookHeaders } from './delivery-signing.js';

export type DeliveryResult = { ok: true } | { ok: false; error: string; stopped: boolean };

export interface DeliveryHttp {
  send(d: DeliveryRecord, now: number, stop: AbortSignal): Promise<DeliveryResult>;
  close(): Promise<void>;
}

/** POSTs participant callbacks over one keep-alive agent. A 2xx answer is delivery. */
export function createDeliveryHttp(opts: { timeoutMs: number; signingKey: Buffer | null }): DeliveryHttp {
  let agent: Agent | null = null;
  // The attempts in flight, aborted together when the sender stops.
  const inFlight = new Set<Deadline>();
  const stops = new WeakSet<AbortSignal>();
  return {
    async send(d, now, stop) {
      const undici = await loadUndici();
      // Default 10 s keep-alive: a participant called once is often called again soon.
      agent ??= new undici.Agent({ keepAliveTimeout: 10_000, connections: 64 });
      if (!stops.has(stop)) {
        stops.add(stop);
        stop.addEventListener('abort', () => inFlight.forEach((d) => d.abort()), { once: true });
      }
      if (stop.aborted) return { ok: false, error: 'stopped', stopped: true };
      const attempt = new Deadline(opts.timeoutMs);
      inFlight.add(attempt);
      try {
        // PERF: one object literal, no spread (see the endpoint http client).
        const { origin, path } = originAndPath(undici, d.url);
        const res = await agent.request({
          origin,
          path,
          method: 'POST',
          signal: attempt,
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
        attempt.clear();
        inFlight.delete(attempt);
      }
    },
    close: async () => {
      await agent?.close();
    },
  };
}
