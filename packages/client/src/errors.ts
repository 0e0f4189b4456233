// One error type for everything the server (or the network) refuses. `code` is the server's stable code
// (the `weft-error-code` header, see weft's docs/errors.md); client-side failures use WEFT_CLIENT_* codes.

export interface WeftErrorInit {
  status: number;
  code: string;
  message: string;
  /** The parsed response body, when there was one. */
  body?: unknown;
  /** Details the server listed (schema problems, transition failures). */
  errors?: { code?: string; message: string; [k: string]: unknown }[];
  retryable?: boolean;
  cause?: unknown;
}

export class WeftError extends Error {
  override readonly name = 'WeftError';
  /** HTTP status; 0 when no answer came (network error). */
  readonly status: number;
  readonly code: string;
  readonly body: unknown;
  readonly errors: { code?: string; message: string; [k: string]: unknown }[];
  /** Whether trying again later may succeed (network errors, 429, 503). */
  readonly retryable: boolean;

  constructor(init: WeftErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.status = init.status;
    this.code = init.code;
    this.body = init.body;
    this.errors = init.errors ?? [];
    this.retryable = init.retryable ?? (init.status === 0 || init.status === 429 || init.status === 503);
  }
}

export function isWeftError(err: unknown): err is WeftError {
  return err instanceof WeftError;
}

// Default 100 characters of a body that is not JSON in an error's message: an HTML error page of a
// proxy (a 502) is kilobytes of markup. The whole text stays in `body`.
const TEXT_IN_MESSAGE = 100;

/** The error a non-2xx response stands for. Bodies are {message} or {error} (workflows) or {result, message, errors}. */
export function errorFromResponse(status: number, headers: { get(name: string): string | null }, body: unknown): WeftError {
  const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const text = typeof body === 'string' ? body.replace(/\s+/g, ' ').trim() : '';
  const excerpt = text.length > TEXT_IN_MESSAGE ? `${text.slice(0, TEXT_IN_MESSAGE)}…` : text;
  const message = typeof b.message === 'string' ? b.message : typeof b.error === 'string' ? b.error : excerpt ? `HTTP ${status}: ${excerpt}` : `HTTP ${status}`;
  const code = headers.get('weft-error-code') ?? `HTTP_${status}`;
  const errors = Array.isArray(b.errors) ? (b.errors as WeftErrorInit['errors']) : undefined;
  return new WeftError({ status, code, message, body, errors });
}

/** The error an envelope response ({request_id, status, errors, data}) stands for. */
export function errorFromEnvelope(res: { status: number; errors?: { code: string; message: string }[]; data?: unknown }): WeftError {
  const first = res.errors?.[0];
  const data = (typeof res.data === 'object' && res.data !== null ? res.data : {}) as Record<string, unknown>;
  const message = first?.message ?? (typeof data.message === 'string' ? data.message : `status ${res.status}`);
  return new WeftError({ status: res.status, code: first?.code ?? `HTTP_${res.status}`, message, body: res.data, errors: res.errors });
}
