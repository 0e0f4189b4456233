// The OpenHIM mediator response (content type application/json+openhim) the mapping mediator
// answers with when the output format is JSON+OPENHIM or the request carries an OpenHIM transaction id.

export const OPENHIM_TRANSACTION_HEADER = 'x-openhim-transactionid';
export const OPENHIM_CONTENT_TYPE = 'application/json+openhim';
/** Default mediator URN: the mapping mediator's own. */
export const DEFAULT_MEDIATOR_URN = 'urn:mediator:generic_mapper';

export interface Orchestration {
  name: string;
  request: {
    host: string;
    port: string;
    path: string;
    method: string;
    timestamp: string;
    queryString?: string;
    headers?: Record<string, string>;
    body?: string;
  };
  response: {
    timestamp?: string;
    status?: number;
    body?: string;
    headers?: Record<string, unknown>;
  };
  error?: { message: string };
}

export interface OrchestrationInput {
  name: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
  requestTimestamp: string;
  responseTimestamp?: string;
  response?: { status: number; headers: Record<string, unknown>; body: string };
  error?: string;
}

export function createOrchestration(input: OrchestrationInput): Orchestration {
  let url: URL | undefined;
  try {
    url = new URL(input.url);
  } catch {
    url = undefined;
  }
  const request: Orchestration['request'] = {
    host: url?.hostname ?? '',
    port: url?.port ?? '',
    path: url?.pathname ?? '',
    method: input.method,
    timestamp: input.requestTimestamp,
    queryString: url ? url.searchParams.toString() : '',
    headers: input.headers,
  };
  if (input.body !== undefined) request.body = input.body;
  const response: Orchestration['response'] = { timestamp: input.responseTimestamp };
  if (input.response) {
    response.status = input.response.status;
    if (input.response.body) response.body = input.response.body;
    response.headers = input.response.headers;
  }
  const out: Orchestration = { name: input.name, request, response };
  if (input.error !== undefined) out.error = { message: input.error };
  return out;
}

/** What happened to the response requests, for the mediator's status text. */
export type RouterOutcome = 'primaryReqFailError' | 'secondaryFailError' | 'primaryCompleted' | 'secondaryCompleted';

/** `Failed`, `Completed with error(s)`, `Completed` or `Successful` (the mediator's setStatusText). */
export function statusText(failed: boolean, outcomes: readonly RouterOutcome[]): string {
  if (failed || outcomes.includes('primaryReqFailError')) return 'Failed';
  if (outcomes.includes('secondaryFailError')) return 'Completed with error(s)';
  if (outcomes.includes('primaryCompleted') || outcomes.includes('secondaryCompleted')) return 'Completed';
  return 'Successful';
}

export interface MediatorResponseInput {
  urn: string;
  statusText: string;
  status: number;
  headers: Record<string, string>;
  body: string;
  /** ms since the epoch, as the mediator sends it. */
  timestamp: number;
  orchestrations: Orchestration[];
}

export function isMediatorResponse(body: unknown): body is Record<string, unknown> & { orchestrations?: unknown } {
  return body !== null && typeof body === 'object' && !Array.isArray(body) && 'x-mediator-urn' in body;
}

export function buildMediatorResponse(input: MediatorResponseInput): string {
  return JSON.stringify({
    'x-mediator-urn': input.urn,
    status: input.statusText,
    response: {
      status: input.status,
      headers: input.headers,
      body: input.body,
      timestamp: input.timestamp,
    },
    orchestrations: input.orchestrations,
  });
}

/** A mediator response that came back from upstream keeps its body; ours go before its orchestrations. */
export function mergeOrchestrations(body: Record<string, unknown>, ours: Orchestration[]): string {
  const theirs = Array.isArray(body.orchestrations) ? body.orchestrations : [];
  return JSON.stringify({ ...body, orchestrations: [...ours, ...theirs] });
}
