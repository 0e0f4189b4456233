import { WeftError } from './errors.js';
import { backoffDelay, retryAfterMs, sleep, type BackoffOptions } from './backoff.js';

// Retries what the server did not apply: network errors, 503 (shutting down, database unavailable) and
// 429 (a limit), honouring Retry-After. A POST that failed in the network may have been applied, so it is
// retried only when the call is idempotent (the client marks those: reads, PUT, heartbeats, transitions
// carrying a request_id) or the connection was refused outright.

export interface RetryOptions extends BackoffOptions {
  /** Default 4 retries (5 attempts in all). 0 turns retrying off. */
  retries?: number;
  /** Default 30 s: a Retry-After longer than this is not waited for; the error is thrown. */
  maxRetryAfterMs?: number;
}

type FetchFn = (input: Request, init?: RequestInit) => Promise<Response>;

const NEVER_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']);

function causeCode(err: unknown): string | undefined {
  let e: unknown = err;
  for (let i = 0; i < 4 && e && typeof e === 'object'; i++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

function isAbort(err: unknown): boolean {
  return typeof err === 'object' && err !== null && ((err as { name?: string }).name === 'AbortError' || (err as { name?: string }).name === 'TimeoutError');
}

/**
 * A fetch that retries; `idempotent` says whether a request lost in the network may be sent again.
 * `onInDoubt` hears of each attempt that may have reached the server without its answer coming back.
 */
export function retryingFetch(base: FetchFn, opts: RetryOptions, idempotent: boolean, onInDoubt?: () => void): FetchFn {
  const retries = opts.retries ?? 4;
  const maxRetryAfter = opts.maxRetryAfterMs ?? 30_000;
  return async (request, init) => {
    for (let attempt = 0; ; attempt++) {
      const last = attempt >= retries;
      let response: Response;
      try {
        response = await base(last ? request : request.clone(), init);
      } catch (err) {
        if (isAbort(err) || request.signal?.aborted) throw err;
        const code = causeCode(err);
        const neverSent = code !== undefined && NEVER_SENT.has(code);
        if (!neverSent) onInDoubt?.();
        const safe = idempotent || neverSent;
        if (last || !safe) {
          throw new WeftError({ status: 0, code: 'WEFT_CLIENT_NETWORK', message: `${request.method} ${request.url}: ${(err as Error).message}${code ? ` (${code})` : ''}`, cause: err, retryable: true });
        }
        await sleep(backoffDelay(attempt, opts), request.signal ?? undefined);
        continue;
      }
      if (last || (response.status !== 503 && response.status !== 429)) return response;
      const after = retryAfterMs(response.headers.get('retry-after'));
      if (after !== null && after > maxRetryAfter) return response;
      // Drain the body so the connection can be reused.
      await response.arrayBuffer().catch(() => undefined);
      await sleep(Math.max(after ?? 0, backoffDelay(attempt, opts)), request.signal ?? undefined);
    }
  };
}
