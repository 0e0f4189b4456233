// Step 7: response requests, all in parallel with the mapped body. With exactly one (and no
// forEach) it is the primary: its status, headers and body become the reply, an error status too
// (one that does not answer is a 500 {"error": …}). With
// several, the reply is `{<id>: <answer body or error message>}`; a forEach request sends each item
// as the body and contributes an array. A failed response request never fails the endpoint.

import type { ResponseRequest } from '../../core/endpoint/index.js';
import { FOR_EACH_ITEMS_MESSAGE, resolveItems } from './endpoint-lookups.js';
import { performCall, type CallResult } from './outbound-call.js';
import { EndpointFailure, mapLimited, type PipelineContext } from './pipeline-context.js';

export interface Reply {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

// Not passed on from a primary answer: the body is re-rendered, so framing headers no longer apply.
const DROPPED_HEADERS = new Set([
  'content-length',
  'content-type',
  'content-encoding',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'date',
]);

function replyHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined || DROPPED_HEADERS.has(k.toLowerCase())) continue;
    out[k] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

function answerBody(result: CallResult): unknown {
  return result.response ? result.data : result.error?.message;
}

function record(ctx: PipelineContext, result: CallResult, primary: boolean): void {
  const failed = !result.response || result.response.status >= 500;
  // A 2xx answer records nothing: the mediator's status text then stays "Successful".
  if (result.response && result.response.status < 300) return;
  if (primary) ctx.outcomes.push(failed ? 'primaryReqFailError' : 'primaryCompleted');
  else ctx.outcomes.push(failed ? 'secondaryFailError' : 'secondaryCompleted');
}

async function send(ctx: PipelineContext, request: ResponseRequest, body: unknown, item: unknown, primary: boolean): Promise<CallResult> {
  const name = `Endpoint Response Request: ${ctx.definition.name}: ${request.id}`;
  const result = await performCall(ctx, { id: request.id, config: request.config, name }, body, item);
  record(ctx, result, primary);
  return result;
}

/** Sends the response requests and returns the reply they make; none → the mapped reply unchanged. */
export async function performResponses(ctx: PipelineContext, mapped: Reply): Promise<Reply> {
  const requests = ctx.definition.requests.response.filter((r) => r.id && r.config?.url);
  if (requests.length === 0) return mapped;
  // Each request gets its own copy: nothing upstream sees can change what the next one sends.
  const bodyText = mapped.body === undefined ? undefined : JSON.stringify(mapped.body);
  const freshBody = (): unknown => (bodyText === undefined ? undefined : JSON.parse(bodyText));

  const single = requests.length === 1 && !requests[0].forEach?.items;
  if (single) {
    const result = await send(ctx, requests[0], freshBody(), undefined, true);
    // No answer at all (refused, timed out, a host not allowed): an error of the endpoint, 500
    // {"error": …} as at every stage (issue 5), where the mediator answered the bare message.
    if (!result.response) throw new EndpointFailure(500, result.error?.message ?? 'No response from the response request');
    return { status: result.response.status, headers: replyHeaders(result.response.headers), body: result.data };
  }

  let itemsFailure: EndpointFailure | undefined;
  const entries = await Promise.all(
    requests.map(async (request) => {
      if (!request.forEach?.items) {
        return [request.id, answerBody(await send(ctx, request, freshBody(), undefined, false))] as const;
      }
      let items: unknown[];
      try {
        items = resolveItems(ctx, request.forEach.items);
      } catch (e) {
        itemsFailure ??= e as EndpointFailure;
        return [request.id, undefined] as const;
      }
      const answers = await mapLimited(items, request.forEach.concurrency ?? 1, async (item) =>
        answerBody(await send(ctx, request, item, item, false)),
      );
      return [request.id, answers] as const;
    }),
  );
  if (itemsFailure) {
    const message = itemsFailure.message === FOR_EACH_ITEMS_MESSAGE ? `Rejected Promise: Error: ${itemsFailure.message}` : itemsFailure.message;
    throw new EndpointFailure(itemsFailure.status, message);
  }
  return { status: mapped.status, headers: {}, body: Object.fromEntries(entries) };
}
