import type { WebSocket } from 'ws';
import { BodyTooLarge, defineError, isWeftError, WeftError } from '../../core/errors.js';
import { InputRefused, parseJsonRefusingPrototypes, PoisonedJson, PROTOTYPE_REFUSED, refuseJsonText } from '../../core/input-limits.js';

// The request/response envelope shared by the WebSocket protocols (/ws/flows, /ws/workers):
// request  {"action": string, "request_id": number|string, "data": {…}}
// response {"request_id", "errors": [{code, message}], "status": number, "data": {…}}
// Every request gets exactly one response; a malformed one gets a 400 (request_id echoed when readable)
// and the connection stays open.

export type RequestId = string | number | null;

export interface RpcRequest {
  action: string;
  requestId: RequestId;
  data: Record<string, unknown>;
}

export interface RpcResponse {
  request_id: RequestId;
  errors: { code: string; message: string }[];
  status: number;
  data: unknown;
}

// Frames up to this many times the body limit are read and answered 413; larger ones close the
// connection (1009, the WebSocket library's maxPayload): the server does not buffer without bound.
export const FRAME_READ_FACTOR = 4;

/** A frame that is not a request of the socket's protocol (malformed JSON, no request_id, no action…). */
export const WsBadRequest = defineError('WEFT_WS_BAD_REQUEST', 400, (problem: string) => problem);
export const WsUnknownAction = defineError('WEFT_WS_UNKNOWN_ACTION', 400, (action: string) => `unknown action: ${action}`);

export function badRequest(requestId: RequestId, message: string, code = WsBadRequest.code): RpcResponse {
  return { request_id: requestId, errors: [{ code, message }], status: 400, data: null };
}

/** Parses one frame; returns the request, or the error response to send. */
export function parseRpc(raw: string, actions: readonly string[]): RpcRequest | RpcResponse {
  let msg: unknown;
  try {
    msg = parseJsonRefusingPrototypes(raw);
  } catch (e) {
    if (!(e instanceof PoisonedJson)) return badRequest(null, 'malformed JSON');
    const rid = (JSON.parse(raw) as { request_id?: unknown } | null)?.request_id;
    return badRequest(typeof rid === 'string' || typeof rid === 'number' ? rid : null, PROTOTYPE_REFUSED, InputRefused.code);
  }
  if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) return badRequest(null, 'a request is a JSON object');
  const m = msg as Record<string, unknown>;
  const rid = m.request_id;
  const requestId: RequestId = typeof rid === 'string' || typeof rid === 'number' ? rid : null;
  if (requestId === null) return badRequest(null, 'request_id is required (a number or a string)');
  const refused = refuseJsonText(raw);
  if (refused) return badRequest(requestId, refused, InputRefused.code);
  if (typeof m.action !== 'string') return badRequest(requestId, 'action is required');
  if (!actions.includes(m.action)) return badRequest(requestId, WsUnknownAction(m.action).message, WsUnknownAction.code);
  const data = m.data === undefined ? {} : m.data;
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return badRequest(requestId, 'data must be an object');
  return { action: m.action, requestId, data: data as Record<string, unknown> };
}

export function isRpcResponse(x: RpcRequest | RpcResponse): x is RpcResponse {
  return (x as RpcResponse).status !== undefined;
}

export function errorResponse(requestId: RequestId, err: unknown, data: unknown = null): RpcResponse {
  const e = isWeftError(err) ? err : new WeftError('WEFT_INTERNAL', 500, 'internal error');
  return { request_id: requestId, errors: [{ code: e.code, message: e.message }], status: e.status, data };
}

// Sockets corked until the current burst of sends ends (see sendJson).
const corked = new Set<{ uncork(): void }>();
function uncorkAll() {
  for (const raw of corked) raw.uncork();
  corked.clear();
}

export function sendJson(socket: WebSocket, value: unknown) {
  if (socket.readyState !== socket.OPEN) return;
  // PERF: the answers of one group commit are sent in one burst (every caller resolves after the same
  // COMMIT); corking the TCP socket until the burst is over (the next tick) writes them with one writev
  // per socket instead of one syscall per frame. `_socket` is ws's underlying net.Socket.
  const raw = (socket as unknown as { _socket?: { cork(): void; uncork(): void } })._socket;
  if (raw && !corked.has(raw)) {
    if (corked.size === 0) process.nextTick(uncorkAll);
    raw.cork();
    corked.add(raw);
  }
  socket.send(JSON.stringify(value));
}

// A binary frame is read as the JSON text it holds, when that is UTF-8 (some clients send every
// frame as binary); text frames were checked by the WebSocket library already.
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Serves the envelope protocol on a socket: each frame is parsed (a malformed one answered with a
 * 400, the connection kept open), handed to `run`, and its response sent back.
 */
export function serveRpc(
  socket: WebSocket,
  actions: readonly string[],
  maxFrameBytes: number,
  run: (action: string, requestId: RequestId, data: Record<string, unknown>) => Promise<RpcResponse>,
) {
  socket.on('message', (raw, isBinary) => {
    const buffer = raw as Buffer;
    if (buffer.length > maxFrameBytes) {
      return sendJson(socket, errorResponse(null, new WeftError(BodyTooLarge.code, BodyTooLarge.status, `a frame is at most ${maxFrameBytes} bytes (WEFT_BODY_LIMIT_BYTES)`)));
    }
    let text: string;
    try {
      text = isBinary ? utf8.decode(buffer) : buffer.toString();
    } catch {
      return sendJson(socket, badRequest(null, 'a binary frame must hold JSON text in UTF-8'));
    }
    const req = parseRpc(text, actions);
    if (isRpcResponse(req)) return sendJson(socket, req);
    void run(req.action, req.requestId, req.data).then((res) => sendJson(socket, res));
  });
}
