import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { BadRequest, BodyTooLarge, ExpectationFailed, Forbidden, HeadersTooLarge, Internal, InvalidRequestBody, MalformedRequest, RequestTimeout, RouteNotFound, UnsupportedMediaType, UrlInvalid, WeftError, WsHandshakeInvalid, isWeftError } from '../../core/errors.js';
import { InputRefused } from '../../core/input-limits.js';

// Errors → status + JSON, in one place (DESIGN convention 7). The body follows the contract of
// the route family: most routes answer {"message": …}; the workflows and endpoints contracts
// answer {"error": …}. The stable code always travels in the `weft-error-code` header (and as
// `code` where the contract leaves room for it).

export type ErrorStyle = 'message' | 'error';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Shape of error bodies on this route (default 'message'). */
    errorStyle?: ErrorStyle;
    /** Turns a body that could not be parsed (or was refused: `refused`) into this route's own error. */
    parseError?: (message: string, refused: boolean) => WeftError;
    /** No API key needed (healthz, proceed_url, public endpoints). */
    public?: boolean;
    /** Needs a key but no workspace (key-level routes). */
    noWorkspace?: boolean;
    /** Takes form-encoded bodies besides JSON (the workflows API); elsewhere they are 415. */
    formBody?: boolean;
  }
}

export function renderError(err: WeftError, style: ErrorStyle): Record<string, unknown> {
  // Issue 2 spells the 403 of every route {"message":"Forbidden"}; the {"error"} families carry both.
  if (style === 'error' && err.code === Forbidden.code) return { error: err.message, message: err.message };
  return style === 'error' ? { error: err.message, ...err.details } : { message: err.message, ...err.details };
}

export function sendError(reply: FastifyReply, err: WeftError, style: ErrorStyle = 'message') {
  if (err.retryable && err.status === 503) reply.header('retry-after', '1');
  return reply.code(err.status).header('weft-error-code', err.code).send(renderError(err, style));
}

/** A body the parsers refused (see core/input-limits): answered as the route's parse error. */
export class BodyRefusedError extends Error {
  readonly statusCode = 400;
  readonly code = InputRefused.code;
}

/** Fastify's own errors (body parsing, limits) as weft errors. */
export function fromFastifyError(err: FastifyError, req: FastifyRequest): WeftError {
  const parseError = req.routeOptions.config?.parseError;
  switch (err.code) {
    case InputRefused.code:
      return parseError ? parseError(err.message, true) : InputRefused(err.message);
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return BodyTooLarge();
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return UnsupportedMediaType(String(req.headers['content-type'] ?? 'none'));
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
    case 'FST_ERR_CTP_INVALID_TYPE':
      return parseError ? parseError(err.message, false) : InvalidRequestBody();
  }
  if (err instanceof SyntaxError || (err.statusCode === 400 && /JSON|body/i.test(err.message))) {
    return parseError ? parseError(err.message, false) : InvalidRequestBody();
  }
  if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
    return new WeftError(BadRequest.code, err.statusCode, err.message);
  }
  return Internal();
}

// The route families whose contracts answer {"error": …}; requests no route matches are endpoint
// requests, which do too. Used where no route was matched to say so (a URL that cannot be routed).
const ERROR_STYLE_PREFIXES = ['/v1/workflows', '/v1/definitions', '/v1/deliveries', '/v1/ping', '/endpoints'];
const MESSAGE_STYLE_PREFIXES = ['/tasks', '/v1/', '/ws/', '/ui', '/healthz', '/metrics', '/docs', '/openapi.json'];

function errorStyleOfPath(path: string): ErrorStyle {
  const under = (prefix: string) => path === prefix || path.startsWith(prefix.endsWith('/') ? prefix : `${prefix}/`) || path.startsWith(`${prefix}?`);
  if (ERROR_STYLE_PREFIXES.some(under)) return 'error';
  return MESSAGE_STYLE_PREFIXES.some(under) ? 'message' : 'error';
}

/**
 * Fastify's errors raised before routing (its `frameworkErrors` option): a URL with a malformed
 * percent-escape is 400 WEFT_URL_INVALID in the body style of the route family its path names (it
 * was Fastify's own body, without weft's code).
 */
export function frameworkError(err: FastifyError, req: FastifyRequest, reply: FastifyReply) {
  const path = req.url.split('?')[0];
  const mapped = err.code === 'FST_ERR_BAD_URL' ? UrlInvalid(path) : new WeftError(BadRequest.code, err.statusCode ?? 400, err.message);
  return sendError(reply, mapped, errorStyleOfPath(path));
}

/**
 * Requests Node's HTTP parser refuses before Fastify sees them (Fastify's `clientErrorHandler`):
 * answered as Fastify would, with weft's code in the body and the header.
 */
export function clientError(err: NodeJS.ErrnoException, socket: Socket) {
  // A reset connection has nobody left to answer.
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const e = err.code === 'HPE_HEADER_OVERFLOW' ? HeadersTooLarge() : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? RequestTimeout() : MalformedRequest();
  answerOnSocket(socket, e);
  socket.destroy(err);
}

/**
 * Handshakes the WebSocket library refuses (its `wsClientError`): answered with weft's code, as
 * every other refusal is, where the library wrote a bare text body.
 */
export function wsHandshakeError(err: Error, socket: Socket) {
  if (socket.destroyed) return;
  // RFC 6455 4.4: a version refused is answered with the versions the server speaks.
  const headers: Record<string, string> = /Version/.test(err.message) ? { 'Sec-WebSocket-Version': '13, 8' } : {};
  answerOnSocket(socket, WsHandshakeInvalid(err.message), headers);
  socket.destroy();
}

/**
 * A request whose `Expect` header is not `100-continue` (Node's `checkExpectation`): 417 with weft's
 * code, in its route family's body style (Node answered an empty 417).
 */
export function expectationFailed(req: IncomingMessage, res: ServerResponse) {
  const path = (req.url ?? '/').split('?')[0];
  const e = ExpectationFailed(String(req.headers.expect ?? ''));
  const body = JSON.stringify(renderError(e, errorStyleOfPath(path)));
  res.writeHead(e.status, { 'content-type': 'application/json; charset=utf-8', 'weft-error-code': e.code, 'content-length': Buffer.byteLength(body), connection: 'close' });
  res.end(body);
}

// A whole response written on the socket, for requests refused before Fastify has a reply object.
function answerOnSocket(socket: Socket, e: WeftError, headers: Record<string, string> = {}) {
  if (!socket.writable) return;
  const body = JSON.stringify({ message: e.message });
  const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
  socket.write(
    `HTTP/1.1 ${e.status} ${STATUS_CODES[e.status]}\r\nContent-Type: application/json; charset=utf-8\r\nweft-error-code: ${e.code}\r\n${extra}Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

export interface ErrorHandlingOptions {
  /** Answers requests no route matches (endpoints); default 404 route not found. */
  notFound?: (req: FastifyRequest, reply: FastifyReply) => unknown;
}

export function installErrorHandling(app: FastifyInstance, opts: ErrorHandlingOptions = {}) {
  app.setErrorHandler((err: FastifyError, req, reply) => {
    // Requests no route matches are endpoint requests (a body over the limit fails before they reach it).
    const style = req.routeOptions.config?.errorStyle ?? (req.is404 ? 'error' : 'message');
    if (isWeftError(err)) {
      if (err.status >= 500) req.log.error({ err: err.cause ?? err }, err.message);
      return sendError(reply, err, style);
    }
    const mapped = fromFastifyError(err, req);
    if (mapped.status >= 500) req.log.error({ err }, 'unhandled error');
    return sendError(reply, mapped, style);
  });
  app.setNotFoundHandler((req, reply) => (opts.notFound ? opts.notFound(req, reply) : sendError(reply, RouteNotFound(req.method, req.url.split('?')[0]))));
}
