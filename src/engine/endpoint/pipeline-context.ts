// The state of one endpoint request as it moves through the pipeline (the mediator's
// ctx.state.allData plus what the reply needs), and the failure that ends it early.

import type { EndpointDefinition, RequestTimestamps } from '../../core/endpoint/index.js';
import type { EndpointHttp } from './endpoint-http.js';
import type { Orchestration, RouterOutcome } from './openhim-response.js';
import { isoTime } from '../../core/iso-time.js';

export interface EndpointClock {
  /** ms since the epoch */
  now(): number;
}

export interface EndpointRequest {
  method: string;
  path: string;
  urlParams: Record<string, string>;
  query: Record<string, string | string[] | undefined>;
  headers: Record<string, string | string[] | undefined>;
  rawBody: Buffer | string | undefined;
  /** The request's content type; falls back to headers['content-type']. */
  contentType?: string;
}

/** Every data point mapping, transforms and parameters can read (the mediator's allData). */
export interface AllData {
  constants: unknown;
  state: unknown;
  urlParams: Record<string, string>;
  timestamps: {
    endpointStart: string;
    endpointEnd: string | null;
    lookupRequests: Record<string, RequestTimestamps>;
  };
  requestHeaders: Record<string, string | string[] | undefined>;
  query: Record<string, string | string[] | undefined>;
  requestBody?: unknown;
  lookupRequests?: Record<string, unknown>;
  transforms?: Record<string, unknown>;
  responseBody?: unknown;
}

export interface PipelineDeps {
  http: EndpointHttp;
  timeoutMs: number;
  allowHosts?: readonly string[];
  clock: EndpointClock;
}

export interface PipelineContext {
  definition: EndpointDefinition;
  request: EndpointRequest;
  allData: AllData;
  orchestrations: Orchestration[];
  /** Only a reply wrapped for OpenHIM shows orchestrations; otherwise they are not recorded. */
  recordOrchestrations: boolean;
  outcomes: RouterOutcome[];
  lookupHttpStatus?: number;
  lookupNetworkError: boolean;
  transactionId?: string;
  deps: PipelineDeps;
}

/** Ends the pipeline with `{"error": message}` (or `body` when set) and the status. */
export class EndpointFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly body?: unknown,
  ) {
    super(message);
    this.name = 'EndpointFailure';
  }
}

/** A request's time stamps (start, end, each lookup's start and end). */
export const iso = isoTime;

export function headerValue(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const want = name.toLowerCase();
  for (const [k, v] of Object.entries(headers)) {
    if (k.toLowerCase() === want) return Array.isArray(v) ? v[0] : v;
  }
  return undefined;
}

/** Runs fn over items with at most `limit` at once, results in item order; the first failure stops new starts. */
export async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (!failure && next < items.length) {
      const i = next++;
      try {
        results[i] = await fn(items[i], i);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failure) throw failure.error;
  return results;
}
