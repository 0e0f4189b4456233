// Coded errors (DESIGN convention 7). Every error weft answers with has a stable string code,
// an HTTP status and a message; the HTTP layer maps them to a response in one place
// (src/transport/http/error-handler.ts). docs/errors.md lists every code defined with
// defineError(...) anywhere under src/ — test/docs/errors-doc.test.ts keeps the two in step.

export interface WeftErrorOptions {
  /** Extra fields rendered into the JSON body next to the message. */
  details?: Record<string, unknown>;
  /** True when the same request may succeed later (network, database away, busy). */
  retryable?: boolean;
  cause?: unknown;
}

export class WeftError extends Error {
  readonly code: string;
  readonly status: number;
  readonly details: Record<string, unknown> | undefined;
  readonly retryable: boolean;

  constructor(code: string, status: number, message: string, opts: WeftErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'WeftError';
    this.code = code;
    this.status = status;
    this.details = opts.details;
    this.retryable = opts.retryable ?? false;
  }
}

export type ErrorFactory<A extends unknown[]> = ((...args: [...A, WeftErrorOptions?]) => WeftError) & {
  readonly code: string;
  readonly status: number;
};

/**
 * Defines a coded error. `message` is a fixed string or a function of the arguments.
 *   export const TaskNotFound = defineError('WEFT_TASK_NOT_FOUND', 404, (id: number) => `task ${id} not found`);
 *   throw TaskNotFound(7);
 */
export function defineError<A extends unknown[]>(
  code: string,
  status: number,
  message: string | ((...args: A) => string),
): ErrorFactory<A> {
  const factory = (...args: unknown[]): WeftError => {
    const arity = typeof message === 'function' ? message.length : 0;
    const last = args.length > arity ? (args[arity] as WeftErrorOptions | undefined) : undefined;
    const text = typeof message === 'function' ? message(...(args.slice(0, arity) as A)) : message;
    return new WeftError(code, status, text, last ?? {});
  };
  Object.defineProperty(factory, 'code', { value: code });
  Object.defineProperty(factory, 'status', { value: status });
  return factory as unknown as ErrorFactory<A>;
}

export function isWeftError(e: unknown): e is WeftError {
  return e instanceof WeftError;
}

// Errors shared by every capability.
export const InvalidRequestBody = defineError('WEFT_INVALID_BODY', 400, 'invalid request body');
export const BodyTooLarge = defineError('WEFT_BODY_TOO_LARGE', 413, 'request body is too large');
export const UnsupportedMediaType = defineError('WEFT_UNSUPPORTED_MEDIA_TYPE', 415, (type: string) => `unsupported content type: ${type}`);
export const UpgradeRequired = defineError('WEFT_UPGRADE_REQUIRED', 426, 'this route takes a WebSocket upgrade');
/** A URL no route can be matched with: a malformed percent-escape (`%ZZ`, a cut-off UTF-8 sequence). */
export const UrlInvalid = defineError('WEFT_URL_INVALID', 400, (path: string) => `the URL ${path} is not valid: it has a malformed percent-escape`);
/** Any other 4xx the HTTP framework raised before a route ran, with its own status and message. */
export const BadRequest = defineError('WEFT_BAD_REQUEST', 400, (problem: string) => problem);
/** Requests Node's HTTP parser refuses before any route: headers over its limit, a malformed request, a slow one. */
export const HeadersTooLarge = defineError('WEFT_HEADERS_TOO_LARGE', 431, 'the request headers are too large');
export const RequestTimeout = defineError('WEFT_REQUEST_TIMEOUT', 408, 'the request took too long to arrive');
export const MalformedRequest = defineError('WEFT_MALFORMED_REQUEST', 400, 'the request is not valid HTTP');
/** An `Expect` header other than `100-continue`. */
export const ExpectationFailed = defineError('WEFT_EXPECTATION_FAILED', 417, (expect: string) => `the expectation ${JSON.stringify(expect)} cannot be met (only 100-continue)`);
/** An upgrade request the WebSocket handshake refuses (a missing or invalid Sec-WebSocket-Key or -Version, an Upgrade other than websocket). */
export const WsHandshakeInvalid = defineError('WEFT_WS_HANDSHAKE_INVALID', 400, (problem: string) => `the WebSocket handshake is not valid: ${problem}`);
export const RouteNotFound = defineError('WEFT_ROUTE_NOT_FOUND', 404, (method: string, url: string) => `route ${method} ${url} not found`);
export const Forbidden = defineError('WEFT_FORBIDDEN', 403, 'Forbidden');
export const InvalidWorkspace = defineError('WEFT_INVALID_WORKSPACE', 400, 'invalid workspace id');
export const StoreUnavailable = defineError('WEFT_STORE_UNAVAILABLE', 503, 'the database is unavailable, try again');
export const ShuttingDown = defineError('WEFT_SHUTTING_DOWN', 503, 'the server is shutting down');
export const Internal = defineError('WEFT_INTERNAL', 500, 'internal error');
