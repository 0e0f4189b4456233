// The real outbound client for lookups and response requests: one undici Agent (keep-alive pools
// per origin, so connections are reused), a per-call timeout covering connect, headers and body,
// a cap on the response size, the host allowlist, and redirects followed.

import type { Agent } from 'undici';
import { loadUndici, originAndPath } from '../undici.js';
import { Deadline } from '../deadline.js';
import { HostNotAllowedError, hostAllowed, type EndpointHttp, type OutboundRequest, type OutboundResponse } from './endpoint-http.js';

export interface HttpClientOptions {
  /** Hosts that may be called; empty or absent allows all (see hostAllowed). */
  allowHosts?: readonly string[];
  /** Default 64: open connections per origin. */
  connectionsPerOrigin?: number;
  /** Default 4000 ms: how long an idle connection is kept for reuse. */
  keepAliveTimeoutMs?: number;
  /** Default 16 MiB: a larger answer fails the call (an endpoint must not take the server down). */
  maxResponseBytes?: number;
}

export interface HttpClient extends EndpointHttp {
  /** Closes every pooled connection; calls after close fail. */
  close(): Promise<void>;
}

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
// Default 21: follow-redirects' limit, which the mediator's axios uses; the answer past it is returned as it is.
const MAX_REDIRECTS = 21;
const BODY_HEADERS = ['content-type', 'content-length'];
const CREDENTIAL_HEADERS = ['authorization', 'cookie', 'proxy-authorization'];

function withoutHeaders(headers: Record<string, string>, names: readonly string[]): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([k]) => !names.includes(k.toLowerCase())));
}

class ResponseTooLargeError extends Error {
  constructor(limit: number) {
    super(`response body exceeds ${limit} bytes`);
    this.name = 'ResponseTooLargeError';
  }
}

export function createHttpClient(opts: HttpClientOptions = {}): HttpClient {
  const maxResponseBytes = opts.maxResponseBytes ?? 16 * 1024 * 1024;
  let agent: Agent | null = null;
  let undici: typeof import('undici') | null = null;

  const call = async (req: OutboundRequest): Promise<OutboundResponse> => {
    if (!hostAllowed(req.url, opts.allowHosts)) throw new HostNotAllowedError(req.url);
    undici ??= await loadUndici();
    agent ??= new undici.Agent({
      connections: opts.connectionsPerOrigin ?? 64,
      keepAliveTimeout: opts.keepAliveTimeoutMs ?? 4000,
      // The parser counts the bytes and drops the connection past the cap.
      maxResponseSize: maxResponseBytes,
    });
    const deadline = new Deadline(req.timeoutMs);
    let { url, headers, body } = req;
    let method = req.method.toUpperCase();
    try {
      // Redirects are followed as the mediator's axios does (the timeout covers them all), each
      // target checked against the allowlist.
      for (let hop = 0; ; hop++) {
        // PERF: the options as one object literal: spreading originAndPath's result into them cost
        // ~13 µs of CPU a call in undici (38-42 against 25-26 µs a lookup of the bench's stub,
        // 16 in flight, each variant in its own process).
        const { origin, path } = originAndPath(undici, url);
        const res = await agent.request({
          origin,
          path,
          method: method as 'GET',
          headers,
          body,
          signal: deadline,
          headersTimeout: req.timeoutMs,
          bodyTimeout: req.timeoutMs,
        });
        const location = res.headers.location;
        if (!REDIRECTS.has(res.statusCode) || typeof location !== 'string' || hop >= MAX_REDIRECTS) {
          return { status: res.statusCode, headers: res.headers, body: await res.body.text() };
        }
        await res.body.dump();
        const next = new URL(location, url);
        if (!hostAllowed(next.href, opts.allowHosts)) throw new HostNotAllowedError(next.href);
        // 303, and 301/302 after a POST, continue as a GET without the body (as browsers and axios do).
        if (res.statusCode === 303 || ((res.statusCode === 301 || res.statusCode === 302) && method === 'POST')) {
          method = 'GET';
          body = undefined;
          headers = withoutHeaders(headers, BODY_HEADERS);
        }
        // Credentials stay with the host they were meant for.
        if (next.host !== new URL(url).host) headers = withoutHeaders(headers, CREDENTIAL_HEADERS);
        url = next.href;
      }
    } catch (e) {
      // axios's wording, which the mediator's "No response from lookup" messages carry.
      const code = (e as NodeJS.ErrnoException | null)?.code ?? '';
      if (deadline.aborted || TIMEOUT_CODES.has(code)) throw new Error(`timeout of ${req.timeoutMs}ms exceeded`, { cause: e });
      if (code === 'UND_ERR_RES_EXCEEDED_MAX_SIZE') throw new ResponseTooLargeError(maxResponseBytes);
      throw describe(e);
    } finally {
      deadline.clear();
    }
  };

  return Object.assign(call, {
    close: async () => {
      await agent?.close();
    },
  });
}

// undici wraps socket errors ("fetch failed"-style); surface the system error (ECONNREFUSED …).
function describe(e: unknown): Error {
  if (!(e instanceof Error)) return new Error(String(e));
  const cause = (e as { cause?: unknown }).cause;
  if (cause instanceof Error && (cause as NodeJS.ErrnoException).code) return cause;
  const code = (e as NodeJS.ErrnoException).code;
  if (code && !e.message.includes(code)) return new Error(`${code}: ${e.message}`, { cause: e });
  return e;
}
