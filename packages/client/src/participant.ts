import { createWebhookVerifier } from './webhook-signature.js';
import { header, readRawBody, send, type HeaderBag, type RequestLike, type ResponseLike } from './participant-io.js';
import { RecentIds } from './recent-ids.js';
import { proceedWorkitem } from './participant-proceed.js';
import type { RetryOptions } from './http-retry.js';

// createParticipant: a (req, res) handler for weft's participant deliveries (issue 4). It checks the
// Standard Webhooks signature and timestamp, drops duplicates by webhook-id, runs the handler and then
// proceeds the workitem through its proceed_url with the fields the handler returned.
//
// When to answer: a handler that settles within ackTimeoutMs is answered by its outcome — 200 and then
// the proceed, or 500 when it throws, so that weft retries the delivery on its schedule. A slower handler
// is answered 202 at ackTimeoutMs (weft's delivery timeout is 10 s by default) and proceeds when it is
// done (Ruote's model: acknowledge fast, proceed later); if it then throws, the delivery is already
// acknowledged: onError hears of it and the workitem stays at the participant (GET /v1/workflows/:wfid),
// to be proceeded, replayed or cancelled by an operator.

export interface Delivery {
  workflow_id: string;
  workitem_id: string;
  participant: string;
  /** `active`: do the work. `cancel` / `timeout`: stop it (no proceed is expected). */
  status: 'active' | 'cancel' | 'timeout' | 'error';
  fields: Record<string, unknown> & { params?: Record<string, unknown> };
  proceed_url: string;
}

export interface ParticipantContext {
  /** The delivery's webhook-id (the same on every retry of it). */
  webhookId: string | null;
  /** Take over proceeding: the workitem is not proceeded when the handler returns; call the function later. */
  proceedLater(): (fields?: Record<string, unknown>) => Promise<void>;
}

export type Fields = Record<string, unknown>;

export interface ParticipantOptions {
  /** The server's WEFT_WEBHOOK_SECRET (`whsec_…`); null accepts unsigned deliveries (only on a trusted network). */
  secret: string | null;
  /** Does the work; the fields it returns are merged over the workitem's (top level) when it is proceeded. */
  handler(delivery: Delivery, ctx: ParticipantContext): Fields | void | Promise<Fields | void>;
  /** Deliveries with status cancel / timeout (default: acknowledged and ignored). */
  onCancel?(delivery: Delivery): void | Promise<void>;
  /** Failures after the delivery was answered: a slow handler that threw, a proceed that did not get through. */
  onError?(err: unknown, delivery: Delivery): void;
  /** Default 300 s (Standard Webhooks): deliveries signed further away in time are refused as replays. */
  toleranceSeconds?: number;
  /** Default 2000 ms: handlers that settle sooner are answered by their outcome; slower ones get 202 first. */
  ackTimeoutMs?: number;
  /** Default 10000: webhook-ids remembered to recognise duplicates. */
  rememberIds?: number;
  /** Default 1 MiB, like weft's body limit. */
  bodyLimitBytes?: number;
  /** Retries of the proceed POST. */
  retry?: RetryOptions;
  fetch?: (input: Request, init?: RequestInit) => Promise<Response>;
}

export interface HandleResult {
  status: number;
  body: Record<string, unknown>;
  /** Settles when the handler and the proceed are done (after the answer). */
  done: Promise<void>;
}

export type ParticipantHandler = ((req: RequestLike, res: ResponseLike) => Promise<void>) & {
  /** The same for any framework: headers and the raw body in, status and JSON body out. */
  handle(headers: HeaderBag, rawBody: Uint8Array | string): Promise<HandleResult>;
};

type Seen = 'running' | 'done';

export function createParticipant(opts: ParticipantOptions): ParticipantHandler {
  if (opts.secret === undefined) throw new TypeError('createParticipant: secret is required (null to accept unsigned deliveries)');
  const verifier = opts.secret === null ? null : createWebhookVerifier(opts.secret, opts.toleranceSeconds ?? 300);
  const seen = new RecentIds<Seen>(opts.rememberIds ?? 10_000);
  const ackTimeoutMs = opts.ackTimeoutMs ?? 2000;
  const limit = opts.bodyLimitBytes ?? 1024 * 1024;
  const report = (err: unknown, d: Delivery) => {
    try {
      opts.onError?.(err, d);
    } catch {
      // onError must not take the server down.
    }
  };
  const immediate = (status: number, body: Record<string, unknown>): HandleResult => ({ status, body, done: Promise.resolve() });

  async function handle(headers: HeaderBag, raw: Uint8Array | string): Promise<HandleResult> {
    const bytes = typeof raw === 'string' ? new TextEncoder().encode(raw) : raw;
    const id = header(headers, 'webhook-id') ?? null;
    if (verifier) {
      const check = await verifier.verify({ id: id ?? undefined, timestamp: header(headers, 'webhook-timestamp'), signature: header(headers, 'webhook-signature') }, bytes);
      if (!check.ok) return immediate(401, { message: `signature refused: ${check.reason}` });
    }
    let delivery: Delivery;
    try {
      delivery = JSON.parse(new TextDecoder().decode(bytes)) as Delivery;
    } catch {
      return immediate(400, { message: 'the delivery is not JSON' });
    }
    if (typeof delivery !== 'object' || delivery === null || typeof delivery.proceed_url !== 'string') return immediate(400, { message: 'not a participant delivery' });
    // Weft sends every attempt of one callback with the same webhook-id; a cancel has its own.
    const before = id === null ? undefined : seen.get(id);
    if (before === 'done') return immediate(200, { duplicate: true });
    // Still being handled: not acknowledged yet, so that a failure of the first one is still retried.
    if (before === 'running') return immediate(409, { message: 'this delivery is being handled; try again later' });
    if (id !== null) seen.set(id, 'running');

    if (delivery.status !== 'active') {
      try {
        await opts.onCancel?.(delivery);
      } catch (err) {
        report(err, delivery);
      }
      if (id !== null) seen.set(id, 'done');
      return immediate(200, { received: delivery.status });
    }

    let deferred = false;
    const ctx: ParticipantContext = {
      webhookId: id,
      proceedLater: () => {
        deferred = true;
        return (fields) => proceedWorkitem(delivery.proceed_url, fields ?? {}, opts);
      },
    };
    const work = (async () => opts.handler(delivery, ctx))();
    const outcome = work.then(
      (fields) => ({ ok: true as const, fields: fields ?? {} }),
      (error: unknown) => ({ ok: false as const, error }),
    );
    let timer: ReturnType<typeof setTimeout> | undefined;
    const early = await Promise.race([outcome, new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), ackTimeoutMs)))]);
    clearTimeout(timer);

    const proceed = async (fields: Fields) => {
      if (deferred) return;
      try {
        await proceedWorkitem(delivery.proceed_url, fields, opts);
      } catch (err) {
        report(err, delivery);
      }
    };
    if (early && !early.ok) {
      // Not acknowledged: weft delivers it again (same webhook-id) on its retry schedule.
      if (id !== null) seen.delete(id);
      return immediate(500, { message: `the participant failed: ${(early.error as Error)?.message ?? String(early.error)}` });
    }
    if (id !== null) seen.set(id, 'done');
    if (early) return { status: 200, body: { received: 'active' }, done: proceed(early.fields) };
    const done = outcome.then((o) => (o.ok ? proceed(o.fields) : report(o.error, delivery)));
    return { status: 202, body: { received: 'active', proceeding: 'later' }, done };
  }

  const handler = (async (req: RequestLike, res: ResponseLike) => {
    let raw: Uint8Array;
    try {
      raw = await readRawBody(req, limit);
    } catch (err) {
      return send(res, 400, { message: (err as Error).message });
    }
    const r = await handle(req.headers, raw);
    send(res, r.status, r.body);
    await r.done;
  }) as ParticipantHandler;
  handler.handle = handle;
  return handler;
}
