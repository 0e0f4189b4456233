import createFetchClient, { type Client } from 'openapi-fetch';
import type { paths } from './generated/openapi.js';
import { errorFromResponse } from './errors.js';
import { retryingFetch, type RetryOptions } from './http-retry.js';

export interface ClientOptions {
  /** weft's address, e.g. http://127.0.0.1:8700 */
  url: string;
  apiKey: string;
  /** Default "default". */
  workspace?: string;
  retry?: RetryOptions;
  /** Default globalThis.fetch. */
  fetch?: (input: Request, init?: RequestInit) => Promise<Response>;
  /** Default globalThis.WebSocket, else the `ws` package (Node 20). */
  WebSocket?: unknown;
}

export interface ResolvedOptions {
  readonly url: string;
  readonly apiKey: string;
  readonly workspace: string;
  readonly retry: RetryOptions;
  readonly WebSocket?: unknown;
}

type Result = { data?: unknown; error?: unknown; response: Response };

/** The plumbing every API namespace shares: the typed openapi-fetch client and the two retry policies. */
export interface Transport {
  readonly options: ResolvedOptions;
  readonly raw: Client<paths>;
  /** Per-request options: which retry policy applies. */
  policy(idempotent: boolean): { fetch: (input: Request, init?: RequestInit) => Promise<Response> };
  /**
   * A creating request's options: with an idempotency key, the Idempotency-Key header and the retry
   * policy of reads (a repeat answers what the first one created); without, sent once.
   */
  creating(idempotencyKey: string | undefined): { headers?: Record<string, string>; fetch: (input: Request, init?: RequestInit) => Promise<Response> };
  /**
   * The retry policy of reads for one request, and afterwards whether an attempt of it may have been
   * applied without its answer coming back (then a retry can find its work already done).
   */
  tracked(): { fetch: (input: Request, init?: RequestInit) => Promise<Response>; inDoubt(): boolean };
  /** The data of a 2xx answer; a WeftError otherwise. */
  unwrap<T>(p: Promise<Result>): Promise<T>;
  /**
   * GET /v1/ping: whether the server answers, and takes the key. With `retry` false it is sent once,
   * so that its outcome tells the present (the sockets' checks: is the server up, is the key refused).
   */
  ping(retry: boolean): Promise<{ ping: string }>;
}

export function createTransport(opts: ClientOptions): Transport {
  if (!opts.url) throw new TypeError('createClient: url is required');
  if (!opts.apiKey) throw new TypeError('createClient: apiKey is required');
  const options: ResolvedOptions = Object.freeze({
    url: opts.url.replace(/\/+$/, ''),
    apiKey: opts.apiKey,
    workspace: opts.workspace ?? 'default',
    retry: { ...opts.retry },
    WebSocket: opts.WebSocket,
  });
  const base = opts.fetch ?? ((input: Request, init?: RequestInit) => globalThis.fetch(input, init));
  const idempotent = retryingFetch(base, options.retry, true);
  const once = retryingFetch(base, options.retry, false);
  const single = retryingFetch(base, { ...options.retry, retries: 0 }, true);
  const raw = createFetchClient<paths>({
    baseUrl: options.url,
    headers: { 'x-api-key': options.apiKey, 'x-workspace-id': options.workspace },
    fetch: once,
  });
  async function unwrap<T>(p: Promise<Result>): Promise<T> {
    const { data, error, response } = await p;
    if (!response.ok) throw errorFromResponse(response.status, response.headers, error);
    return data as T;
  }
  return {
    options,
    raw,
    policy: (safe) => ({ fetch: safe ? idempotent : once }),
    creating: (key) => (key === undefined ? { fetch: once } : { headers: { 'idempotency-key': key }, fetch: idempotent }),
    tracked() {
      let inDoubt = false;
      return { fetch: retryingFetch(base, options.retry, true, () => (inDoubt = true)), inDoubt: () => inDoubt };
    },
    unwrap,
    ping: (retry) => unwrap<{ ping: string }>(raw.GET('/v1/ping', { fetch: retry ? idempotent : single })),
  };
}
