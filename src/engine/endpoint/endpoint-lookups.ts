// Step 3: lookups, all in parallel; each answer becomes lookupRequests.<id> = {data, headers}
// (an array of them for a forEach lookup). The first failure ends the request.

import { jsonDeeperThan } from '../../core/input-limits.js';
import { isAllowedStatus, resolveParamPath, type LookupRequest } from '../../core/endpoint/index.js';
import { isMediatorResponse, type Orchestration } from './openhim-response.js';
import { performCall, paramSources } from './outbound-call.js';
import { EndpointFailure, mapLimited, type PipelineContext } from './pipeline-context.js';

export const FOR_EACH_ITEMS_MESSAGE =
  "forEach.items could not be found at the specified path or the resolved value isn't an array";

/** The mediator answers 400 when a lookup gets no answer (no status of its own is set). */
export const NO_ANSWER_STATUS = 400;

interface LookupAnswer {
  data: unknown;
  headers?: unknown;
}

function fhirOutcome(data: unknown): unknown {
  if (data !== null && typeof data === 'object' && (data as { resourceType?: unknown }).resourceType === 'OperationOutcome') {
    return data;
  }
  return { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'processsing', diagnostic: data }] };
}

// A lookup answered by another OpenHIM mediator: keep its (JSON) response body, adopt its orchestrations.
function unwrapMediatorAnswer(ctx: PipelineContext, answer: LookupAnswer): LookupAnswer {
  const data = answer.data;
  if (!isMediatorResponse(data)) return answer;
  const response = data.response as { body?: unknown } | undefined;
  // A body too deep to store stays text (as one that is not JSON does).
  if (!response || typeof response.body !== 'string' || jsonDeeperThan(response.body)) return answer;
  try {
    const parsed = JSON.parse(response.body);
    if (Array.isArray(data.orchestrations)) ctx.orchestrations.push(...(data.orchestrations as Orchestration[]));
    return { data: parsed };
  } catch {
    return answer;
  }
}

async function lookupOnce(ctx: PipelineContext, lookup: LookupRequest, item: unknown, hasItem: boolean): Promise<LookupAnswer> {
  const body = lookup.forwardExistingRequestBody ? (hasItem ? item : ctx.allData.requestBody) : undefined;
  const name = `Endpoint Lookup Request: ${ctx.definition.name}: ${lookup.id}`;
  const result = await performCall(ctx, { id: lookup.id, config: lookup.config, name }, body, item);
  if (!result.response) {
    ctx.lookupNetworkError = true;
    throw new EndpointFailure(NO_ANSWER_STATUS, `No response from lookup '${lookup.id}'. ${result.error?.message ?? ''}`);
  }
  const status = result.response.status;
  ctx.lookupHttpStatus = Math.max(ctx.lookupHttpStatus ?? 0, status);
  if (!isAllowedStatus(status, lookup.allowedStatuses)) {
    if (lookup.fhirResponse) throw new EndpointFailure(status, 'FHIR lookup failed', fhirOutcome(result.data));
    throw new EndpointFailure(status, `Incorrect status code ${status}. ${JSON.stringify(result.data)}`);
  }
  return unwrapMediatorAnswer(ctx, { data: result.data, headers: result.response.headers });
}

async function lookupEach(ctx: PipelineContext, lookup: LookupRequest): Promise<LookupAnswer[]> {
  const items = resolveItems(ctx, lookup.forEach!.items);
  return mapLimited(items, lookup.forEach!.concurrency ?? 1, (item) => lookupOnce(ctx, lookup, item, true));
}

export function resolveItems(ctx: PipelineContext, path: string): unknown[] {
  let items: unknown;
  try {
    items = resolveParamPath(path, paramSources(ctx, undefined));
  } catch (e) {
    throw new EndpointFailure(500, (e as Error).message);
  }
  if (!Array.isArray(items)) throw new EndpointFailure(400, FOR_EACH_ITEMS_MESSAGE);
  return items;
}

/** Runs every lookup and sets allData.lookupRequests; no lookups leaves it unset. */
export async function performLookups(ctx: PipelineContext): Promise<void> {
  const lookups = ctx.definition.requests.lookup;
  if (lookups.length === 0) return;
  const answers = await Promise.all(
    lookups.map(async (lookup) => {
      const answer = lookup.forEach?.items ? await lookupEach(ctx, lookup) : await lookupOnce(ctx, lookup, undefined, false);
      return [lookup.id, answer] as const;
    }),
  );
  ctx.allData.lookupRequests = Object.fromEntries(answers);
}
