import { randomUUID } from 'node:crypto';
import type { WebSocket } from 'ws';
import type { Engine } from '../../engine/engine.js';
import { isWeftError } from '../../core/errors.js';
import {
  FlowRequestInvalid,
  readFlowIdentifier,
  readInstanceId,
  readStartInput,
  readSubjectKey,
  readSubjectUpdate,
  readTransitionFields,
  type InstanceView,
} from '../../engine/flow/index.js';
import { errorResponse, sendJson, serveRpc, type RequestId, type RpcResponse } from './rpc-envelope.js';

// /ws/flows (issue 3): flow requests in the shared envelope, and pushed changes to subscribers.
// Actions: transition, start, identify, get, subscribe, unsubscribe. After every committed change
// the server pushes {"event": "flow_instance.updated", "data": instance} to the sockets subscribed
// to its id, its subject or its flow — once per socket, in commit order per instance.

const ACTIONS = ['transition', 'start', 'identify', 'get', 'subscribe', 'unsubscribe'] as const;
// The transition's fields as this protocol names them, in its error messages.
const SOCKET_NAMES = { transition: 'transition_schema_identifier', step: 'step_schema_identifier' };
// Default 1,000 subscriptions per socket.
const MAX_SUBSCRIPTIONS = 1000;

type Topic = 'flow_instance_id' | 'subject' | 'flow';
const TOPICS: readonly Topic[] = ['flow_instance_id', 'subject', 'flow'];

function readTopic(data: Record<string, unknown>): { topic: Topic; value: string } {
  const given = TOPICS.filter((t) => data[t] !== undefined && data[t] !== null);
  if (given.length !== 1) throw FlowRequestInvalid('give exactly one of flow_instance_id, subject or flow');
  const topic = given[0];
  const raw = data[topic];
  const value = topic === 'flow_instance_id' ? readInstanceId(raw) : topic === 'subject' ? readSubjectKey(raw) : readFlowIdentifier(raw);
  return { topic, value };
}

/** Errors as the envelope carries them; a list of details (schema or subject problems) goes in data.errors. */
function failed(requestId: RequestId, err: unknown): RpcResponse {
  const res = errorResponse(requestId, err);
  const details = isWeftError(err) ? err.details : undefined;
  return details && Array.isArray(details.errors) ? { ...res, data: { errors: details.errors } } : res;
}

export function handleFlowSocket(engine: Engine, ws: number, socket: WebSocket) {
  const flows = engine.flows;
  // Scopes numeric envelope request_ids (counters) to this connection.
  const connection = randomUUID();
  const subscriptions: Record<Topic, Set<string>> = { flow_instance_id: new Set(), subject: new Set(), flow: new Set() };
  const count = () => subscriptions.flow_instance_id.size + subscriptions.subject.size + subscriptions.flow.size;
  let joining = 0;

  const off = engine.bus.on('flow:instance', (e) => {
    if (e.ws !== ws || count() === 0) return;
    const i = e.instance;
    if (subscriptions.flow_instance_id.has(i.id) || subscriptions.subject.has(i.subject) || subscriptions.flow.has(i.flow)) {
      sendJson(socket, { event: 'flow_instance.updated', data: i });
    }
  });
  // This node's notification connection to PostgreSQL came back: changes committed meanwhile (on
  // other nodes) reached no subscriber here. Closing (1012, "service restart") tells the client to
  // connect, subscribe again and read the current state — better than a stream that silently skipped.
  const offReconnected = engine.bus.on('store:reconnected', () => {
    if (count() > 0 || joining > 0) socket.close(1012, 'changes may have been missed: subscribe again');
  });
  socket.on('close', () => {
    off();
    offReconnected();
  });

  async function transition(requestId: RequestId, data: Record<string, unknown>): Promise<RpcResponse> {
    const echo = {
      flow_instance_id: data.flow_instance_id ?? null,
      step_schema_id: data.step_schema_identifier ?? null,
      transition_schema_identifier: data.transition_schema_identifier ?? null,
    };
    const failure = (status: number, message: string, errors: { code: string; message: string }[]): RpcResponse => ({
      request_id: requestId,
      errors,
      status,
      data: { result: 'failure', message, ...echo },
    });
    try {
      const id = readInstanceId(data.flow_instance_id);
      // Idempotency (issue 3, rule 6): the same request_id sent again for the same instance answers
      // the first result. data.request_id when given (as the REST body's), else the envelope's. A
      // string envelope id is recognised on any connection too, so a request resent after a
      // reconnect is applied once; a number is taken for a counter (1, 2, 3 on every connection) and
      // is recognised on its own connection only, so that clients counting alike do not collide.
      const explicit = data.request_id !== undefined && data.request_id !== null;
      const fields = readTransitionFields(data.transition_schema_identifier, data.step_schema_identifier, data.input, explicit ? data.request_id : requestId, SOCKET_NAMES);
      if (!explicit && typeof requestId === 'number' && fields.requestId !== null) fields.idempotencyKey = `ws:${connection}:${fields.requestId}`;
      const o = await flows.transition(ws, id, fields);
      if (o.result === 'success') {
        return { request_id: requestId, errors: [], status: 200, data: { result: 'success', message: null, ...echo, instance: o.instance } };
      }
      return failure(o.status, o.message, o.errors.map(({ code, message }) => ({ code, message })));
    } catch (err) {
      if (isWeftError(err) && err.status < 500) return failure(err.status, err.message, [{ code: err.code, message: err.message }]);
      return { ...errorResponse(requestId, err), data: { result: 'failure', message: 'internal error', ...echo } };
    }
  }

  async function run(action: string, requestId: RequestId, data: Record<string, unknown>): Promise<RpcResponse> {
    if (action === 'transition') return transition(requestId, data);
    const ok = (d: unknown): RpcResponse => ({ request_id: requestId, errors: [], status: 200, data: d });
    try {
      switch (action) {
        case 'start': {
          const instance: InstanceView = await flows.start(ws, readStartInput(data));
          return ok({ flow_instance_id: instance.id, instance });
        }
        case 'identify': {
          const { subject, ...rest } = data;
          return ok(await flows.putSubject(ws, readSubjectKey(subject), readSubjectUpdate(rest)));
        }
        case 'get': {
          const instance = await flows.instance(ws, readInstanceId(data.flow_instance_id));
          return ok({ flow_instance_id: instance.id, instance });
        }
        case 'subscribe': {
          const { topic, value } = readTopic(data);
          if (topic === 'flow_instance_id') await flows.instance(ws, value);
          // Subscriptions still waiting for their marker count too: requests sent without awaiting
          // their answers must not pass the limit together.
          if (!subscriptions[topic].has(value) && count() + joining >= MAX_SUBSCRIPTIONS) throw FlowRequestInvalid(`at most ${MAX_SUBSCRIPTIONS} subscriptions per connection`);
          joining++;
          try {
            // Changes committed before this request are not this subscription's to hear.
            await flows.afterCommitted(() => subscriptions[topic].add(value));
          } finally {
            joining--;
          }
          return ok({ subscribed: { [topic]: value } });
        }
        default: {
          const { topic, value } = readTopic(data);
          subscriptions[topic].delete(value);
          return ok({ unsubscribed: { [topic]: value } });
        }
      }
    } catch (err) {
      return failed(requestId, err);
    }
  }

  serveRpc(socket, ACTIONS, engine.settings.bodyLimitBytes, run);
}
