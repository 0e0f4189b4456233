// One outbound call of a lookup or response request: parameters resolved into the URL and query,
// headers (with the OpenHIM transaction id passed on), the body, timestamps, the allowlist, and the
// orchestration record.

import {
  appendQuery,
  resolveQueryParams,
  resolveRequestUrl,
  type ParamSources,
  type RequestConfig,
} from '../../core/endpoint/index.js';
import { jsonDeeperThan, MAX_JSON_DEPTH } from '../../core/input-limits.js';
import { HostNotAllowedError, hostAllowed, type OutboundRequest, type OutboundResponse } from './endpoint-http.js';
import { OPENHIM_TRANSACTION_HEADER, createOrchestration } from './openhim-response.js';
import { EndpointFailure, iso, type PipelineContext } from './pipeline-context.js';

export interface CallResult {
  request: OutboundRequest;
  /** Set when the upstream answered (any status). */
  response?: OutboundResponse;
  /** The answer's body: parsed JSON when it is JSON, else the text. */
  data?: unknown;
  /** Set when there was no answer. */
  error?: Error;
}

export function paramSources(ctx: PipelineContext, item: unknown): ParamSources {
  const d = ctx.allData;
  return {
    payload: d.requestBody,
    query: d.query,
    state: d.state,
    lookupRequests: d.lookupRequests,
    responseBody: d.responseBody,
    urlParams: d.urlParams,
    constants: d.constants,
    timestamps: d.timestamps,
    transforms: d.transforms,
    item,
  };
}

/** Parses a body as JSON when it is JSON (as axios does), else keeps the text. */
export function parseAnswer(body: string): unknown {
  if (body.trim() === '') return body;
  // Data this deep cannot be stored (the state record) or rendered without overflowing the stack:
  // the call fails as though no answer had come.
  if (jsonDeeperThan(body)) throw new Error(`the answer is JSON nested deeper than ${MAX_JSON_DEPTH} levels, which is not accepted`);
  try {
    return JSON.parse(body);
  } catch {
    return body;
  }
}

function outboundHeaders(ctx: PipelineContext, config: RequestConfig): Record<string, string> {
  const headers: Record<string, string> = {};
  if (ctx.transactionId) headers[OPENHIM_TRANSACTION_HEADER] = ctx.transactionId;
  for (const [k, v] of Object.entries(config.headers ?? {})) {
    if (v !== undefined && v !== null) headers[k] = typeof v === 'string' ? v : String(v);
  }
  return headers;
}

function hasHeader(headers: Record<string, string>, name: string): boolean {
  return Object.keys(headers).some((k) => k.toLowerCase() === name);
}

export interface CallSpec {
  id: string;
  config: RequestConfig;
  /** The orchestration's name. */
  name: string;
}

/** Makes the call; never throws for a missing answer (see CallResult.error), only for a bad parameter path. */
export async function performCall(ctx: PipelineContext, spec: CallSpec, body: unknown, item: unknown): Promise<CallResult> {
  const { clock, http, timeoutMs, allowHosts } = ctx.deps;
  const sources = paramSources(ctx, item);
  let url: string;
  try {
    url = appendQuery(resolveRequestUrl(spec.config, sources), resolveQueryParams(spec.config, sources));
  } catch (e) {
    throw new EndpointFailure(500, (e as Error).message);
  }
  const headers = outboundHeaders(ctx, spec.config);
  let text: string | undefined;
  if (body !== undefined && body !== null) {
    text = typeof body === 'string' ? body : JSON.stringify(body);
    if (typeof body !== 'string' && !hasHeader(headers, 'content-type')) headers['content-type'] = 'application/json';
  }
  const request: OutboundRequest = {
    method: (spec.config.method ?? 'GET').toUpperCase(),
    url,
    headers,
    ...(text !== undefined && { body: text }),
    timeoutMs,
  };

  const startMs = clock.now();
  const stamps = ctx.allData.timestamps.lookupRequests;
  // forEach calls share one entry: the first start and the last end.
  const entry = (stamps[spec.id] ??= { requestStart: iso(startMs) });
  const result: CallResult = { request };
  let response: CallResult['response'];
  try {
    if (!hostAllowed(url, allowHosts)) throw new HostNotAllowedError(url);
    response = await http(request);
    result.data = parseAnswer(response.body);
    result.response = response;
    const endMs = clock.now();
    entry.requestEnd = iso(endMs);
    entry.requestDuration = { milliseconds: endMs - Date.parse(entry.requestStart) };
  } catch (e) {
    result.error = e instanceof Error ? e : new Error(String(e));
  }
  if (!ctx.recordOrchestrations) return result;
  ctx.orchestrations.push(
    createOrchestration({
      name: spec.name,
      method: request.method,
      url,
      headers,
      body: text,
      requestTimestamp: iso(startMs),
      responseTimestamp: result.response ? entry.requestEnd : iso(clock.now()),
      response: response && {
        status: response.status,
        headers: response.headers,
        body: response.body,
      },
      error: result.error?.message,
    }),
  );
  return result;
}
