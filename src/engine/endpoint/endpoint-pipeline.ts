// Serving one endpoint request (issue 5, steps 2–9): parse → lookups → validate → transform → map →
// response requests → render → save state. Matching the endpoint and finding its state (step 1)
// is the caller's; loadState must return the newest record that passes stateRecordPasses(record,
// definition.state.config). serve() never throws: every failure is a reply in the output format.

import {
  extractState,
  type EndpointDefinition,
  type StateConfig,
  type StateRecord,
  type SystemTimestamps,
} from '../../core/endpoint/index.js';
import { EndpointFailed } from './endpoint-errors.js';
import { createXmlReader, parseRequestBody, renderBody } from './endpoint-body.js';
import type { EndpointHttp } from './endpoint-http.js';
import { performLookups } from './endpoint-lookups.js';
import { performResponses, type Reply } from './endpoint-responses.js';
import { createStepCaches, mapBody, runTransforms, validateInput } from './endpoint-steps.js';
import {
  DEFAULT_MEDIATOR_URN,
  OPENHIM_CONTENT_TYPE,
  OPENHIM_TRANSACTION_HEADER,
  buildMediatorResponse,
  isMediatorResponse,
  mergeOrchestrations,
  statusText,
} from './openhim-response.js';
import {
  EndpointFailure,
  headerValue,
  iso,
  type EndpointClock,
  type EndpointRequest,
  type PipelineContext,
} from './pipeline-context.js';

export interface EndpointPipelineOptions {
  http: EndpointHttp;
  /** Default 30000 (WEFT_HTTP_TIMEOUT_MS): the limit of every lookup and response request. */
  timeoutMs?: number;
  /** Default TRANSFORM_TIMEOUT_MS: how long one JSONata transform may run. */
  transformTimeoutMs?: number;
  /** Hosts lookups and response requests may call; absent or empty allows all. */
  allowHosts?: readonly string[];
  clock: EndpointClock;
  /** Default the mapping mediator's URN: `x-mediator-urn` of OpenHIM mediator responses. */
  mediatorUrn?: string;
  /** Default 1048576 (WEFT_BODY_LIMIT_BYTES): a larger request body is refused with 413. */
  maxBodyBytes?: number;
}

export interface EndpointStateAccess {
  /** The newest saved record passing `config`, or null. */
  loadState(config: StateConfig): Promise<StateRecord | null | undefined>;
  /** Must copy or serialise the record before it returns (calls still in flight may stamp the request's timestamps). */
  saveState(record: StateRecord): Promise<void>;
}

export interface EndpointReply {
  status: number;
  headers: Record<string, string>;
  body: string | Buffer;
  contentType: string;
}

export interface EndpointPipeline {
  serve(definition: EndpointDefinition, request: EndpointRequest, state: EndpointStateAccess): Promise<EndpointReply>;
  /** 404 `{"error":"Unknown Endpoint: <path>"}` (wrapped for OpenHIM when the request came through it). */
  notFound(request: Pick<EndpointRequest, 'path' | 'headers'>): EndpointReply;
  /** Stops the transforms' threads. */
  close(): Promise<void>;
}

// Whether a definition can read the saved state (allData.state): a parameter path, a mapping key or
// anything else of its requests and mapping naming it, a mapping key that starts with a wildcard or
// a bracket (`*` maps every data point), or any input transform (a JSONata expression sees the whole
// of allData). Worked out once per definition object.
const readsStateOf = new WeakMap<EndpointDefinition, boolean>();
function readsState(definition: EndpointDefinition): boolean {
  let reads = readsStateOf.get(definition);
  if (reads === undefined) {
    const transforms = definition.inputTransforms !== undefined && Object.keys(definition.inputTransforms).length > 0;
    const wildcard = Object.keys(definition.inputMapping ?? {}).some((key) => !/^[A-Za-z_$]/.test(key));
    reads = transforms || wildcard || JSON.stringify([definition.requests, definition.inputMapping ?? null]).includes('state');
    readsStateOf.set(definition, reads);
  }
  return reads;
}

// weft's stable code, on failures of the pipeline itself (not on an upstream's answer passed on).
const FAILED = { 'weft-error-code': EndpointFailed.code };

function failureReply(e: unknown): Reply {
  if (e instanceof EndpointFailure) return { status: e.status, headers: e.body === undefined ? { ...FAILED } : {}, body: e.body ?? { error: e.message } };
  return { status: 500, headers: { ...FAILED }, body: { error: e instanceof Error ? e.message : String(e) } };
}

// Default 1 s: how long one JSONata transform may run. Transforms run on worker threads
// (transform-pool), so a runaway one no longer stalls the node, but it holds one of the two
// threads every endpoint's transforms share: not the outbound calls' WEFT_HTTP_TIMEOUT_MS (30 s).
export const TRANSFORM_TIMEOUT_MS = 1000;

export function createEndpointPipeline(opts: EndpointPipelineOptions): EndpointPipeline {
  const timeoutMs = opts.timeoutMs ?? 30000;
  const maxBodyBytes = opts.maxBodyBytes ?? 1048576;
  const urn = opts.mediatorUrn ?? DEFAULT_MEDIATOR_URN;
  const clock = opts.clock;
  const readXml = createXmlReader();
  const caches = createStepCaches(opts.transformTimeoutMs ?? TRANSFORM_TIMEOUT_MS);

  function render(ctx: Pick<PipelineContext, 'orchestrations' | 'outcomes' | 'transactionId'>, outputFormat: string, reply: Reply, failed: boolean): EndpointReply {
    const format = outputFormat.toUpperCase();
    const rendered = renderBody(format, reply.body, reply.status === 204);
    const wrap = format === 'JSON+OPENHIM' || ctx.transactionId !== undefined;
    if (!wrap) {
      return { status: reply.status, headers: { ...reply.headers, 'content-type': rendered.contentType }, body: rendered.body, contentType: rendered.contentType };
    }
    let body: string;
    if (format === 'JSON+OPENHIM' && isMediatorResponse(reply.body)) {
      body = mergeOrchestrations(reply.body, ctx.orchestrations);
    } else {
      const innerType = format === 'JSON+OPENHIM' ? 'application/json' : rendered.contentType;
      body = buildMediatorResponse({
        urn,
        statusText: statusText(failed, ctx.outcomes),
        status: reply.status,
        headers: { ...reply.headers, 'content-type': innerType },
        body: rendered.body,
        timestamp: clock.now(),
        orchestrations: ctx.orchestrations,
      });
    }
    // The mediator response always has a body, which a 204 may not carry.
    const status = reply.status === 204 ? 200 : reply.status;
    return { status, headers: { 'content-type': OPENHIM_CONTENT_TYPE }, body, contentType: OPENHIM_CONTENT_TYPE };
  }

  function buildRecord(ctx: PipelineContext, startMs: number): StateRecord {
    const endMs = clock.now();
    // Calls still in flight after a failure go on stamping their entries: the record keeps copies.
    const lookupRequests: SystemTimestamps['lookupRequests'] = {};
    for (const [id, entry] of Object.entries(ctx.allData.timestamps.lookupRequests)) lookupRequests[id] = { ...entry };
    const timestamps: SystemTimestamps = {
      endpointStart: ctx.allData.timestamps.endpointStart,
      endpointEnd: iso(endMs),
      endpointDuration: { milliseconds: endMs - startMs },
      lookupRequests,
    };
    const d = ctx.allData;
    const record: StateRecord = {
      system: { timestamps },
      ...(ctx.lookupHttpStatus !== undefined && { lookupHttpStatus: ctx.lookupHttpStatus }),
      lookupNetworkError: ctx.lookupNetworkError,
      ...extractState(ctx.definition.state?.extract, {
        requestBody: d.requestBody,
        responseBody: d.responseBody,
        query: d.query,
        lookupRequests: d.lookupRequests,
      }),
    };
    // PERF: no deep copy (a JSON round trip cost ~5 µs a request): the rest of the record holds
    // values nothing changes after this point, and saveState serialises it at the call.
    return record;
  }

  async function run(definition: EndpointDefinition, request: EndpointRequest, state: EndpointStateAccess): Promise<EndpointReply> {
    const startMs = clock.now();
    const transactionId = headerValue(request.headers, OPENHIM_TRANSACTION_HEADER);
    const ctx: PipelineContext = {
      definition,
      request,
      allData: {
        constants: definition.constants,
        state: null,
        urlParams: request.urlParams,
        timestamps: { endpointStart: iso(startMs), endpointEnd: null, lookupRequests: {} },
        requestHeaders: request.headers,
        query: request.query,
      },
      orchestrations: [],
      recordOrchestrations: definition.transformation?.output?.toUpperCase() === 'JSON+OPENHIM' || transactionId !== undefined,
      outcomes: [],
      lookupNetworkError: false,
      ...(transactionId !== undefined && { transactionId }),
      deps: { http: opts.http, timeoutMs, allowHosts: opts.allowHosts, clock },
    };

    let reply: Reply;
    let failed = false;
    try {
      try {
        // PERF: the newest record is read and parsed only for a definition that can read it
        // (~4.6 µs of a request's ~160 in the endpoints bench, whose definition does not).
        if (readsState(definition)) ctx.allData.state = (await state.loadState(definition.state.config)) ?? null;
      } catch (e) {
        throw new EndpointFailure(500, `Failed to read endpoint state: ${(e as Error).message}`);
      }
      ctx.allData.requestBody = parseRequestBody(request, definition.transformation.input, readXml, maxBodyBytes);
      await performLookups(ctx);
      validateInput(ctx, caches);
      await runTransforms(ctx, caches);
      reply = await performResponses(ctx, mapBody(ctx));
    } catch (e) {
      failed = true;
      reply = failureReply(e);
    }

    const output = definition.transformation.output;
    let rendered: EndpointReply;
    try {
      rendered = render(ctx, output, reply, failed);
    } catch (e) {
      // A reply XML cannot carry (an element name such as `1abc`, most often a key of the request's
      // own body): an error, as xml2js's builder throws; a 400, the data being the caller's.
      rendered = render(ctx, output, failureReply(new EndpointFailure(400, `The response cannot be written as XML: ${(e as Error).message}`)), true);
    }
    try {
      await state.saveState(buildRecord(ctx, startMs));
    } catch (e) {
      return render(ctx, output, failureReply(new EndpointFailure(500, `Failed to update endpoint state: ${(e as Error).message}`)), true);
    }
    return rendered;
  }

  return {
    async serve(definition, request, state) {
      try {
        return await run(definition, request, state);
      } catch (e) {
        // Only a broken definition object can get here (the steps turn their errors into replies).
        const body = JSON.stringify({ error: `Endpoint failed: ${e instanceof Error ? e.message : String(e)}` });
        return { status: 500, headers: { 'content-type': 'application/json' }, body, contentType: 'application/json' };
      }
    },
    notFound(request) {
      const transactionId = headerValue(request.headers, OPENHIM_TRANSACTION_HEADER);
      const reply: Reply = { status: 404, headers: {}, body: { error: `Unknown Endpoint: ${request.path}` } };
      return render({ orchestrations: [], outcomes: [], transactionId }, 'JSON', reply, true);
    },
    close: () => caches.close(),
  };
}
