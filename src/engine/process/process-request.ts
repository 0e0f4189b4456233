import { readDefinition, WorkflowInvalid } from '../../core/process/readers/index.js';
import { isWeftError } from '../../core/errors.js';
import type { Fields, Tree } from '../../core/process/interpreter/index.js';
import type { DeliveryFilter, DeliveryState } from '../../storage/process-delivery-store.js';
import { CallbackMissing, ProcessFieldInvalid, WorkflowMissing } from './process-errors.js';

// Validation of the workflows API requests, with the contract's messages. Bodies arrive as plain
// objects (JSON, or form-encoded already turned into nested objects by the transport).

export interface LaunchInput {
  /** The definition as given (text or JSON array); absent when `definition` names a stored one. */
  workflow?: unknown;
  definition?: string;
  callback?: string;
  callbacks?: Record<string, string>;
  fields: Fields;
  variables: Record<string, unknown>;
  /** From the Idempotency-Key header: the same launch sent again answers the process it started. */
  idempotencyKey?: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const present = (v: unknown) => v !== undefined && v !== null && v !== '';

function isHttpUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

function optionalObject(body: Record<string, unknown>, key: string): Record<string, unknown> {
  const v = body[key];
  if (!present(v)) return {};
  if (!isObject(v)) throw ProcessFieldInvalid(`${key} must be an object`);
  return v;
}

export function readLaunchInput(raw: unknown): LaunchInput {
  const body = isObject(raw) ? raw : {};
  const hasWorkflow = present(body.workflow);
  const hasDefinition = present(body.definition);
  if (!hasWorkflow && !hasDefinition) throw WorkflowMissing();
  if (hasDefinition && typeof body.definition !== 'string') throw ProcessFieldInvalid('definition must be a name');
  if (hasWorkflow && hasDefinition) throw ProcessFieldInvalid('workflow, definition are both given, exactly one parameter must be provided');
  const hasCallback = present(body.callback);
  const hasCallbacks = present(body.callbacks);
  if (hasCallback === hasCallbacks) throw CallbackMissing();
  const input: LaunchInput = { fields: optionalObject(body, 'fields'), variables: optionalObject(body, 'variables') };
  if (hasWorkflow) input.workflow = body.workflow;
  else input.definition = body.definition as string;
  if (hasCallback) {
    if (typeof body.callback !== 'string' || !isHttpUrl(body.callback)) throw ProcessFieldInvalid('callback must be an http(s) URL');
    input.callback = body.callback;
  } else {
    if (!isObject(body.callbacks)) throw ProcessFieldInvalid('callbacks must be an object of participant name → URL');
    for (const [name, url] of Object.entries(body.callbacks)) {
      if (typeof url !== 'string' || !isHttpUrl(url)) throw ProcessFieldInvalid(`callbacks[${name}] must be an http(s) URL`);
    }
    input.callbacks = body.callbacks as Record<string, string>;
  }
  return input;
}

/**
 * Reads a definition in any form. A reader's failure becomes the contract's body:
 * {"error":"workflow is invalid","details":{"message","line","column"}}.
 */
export function readWorkflow(workflow: unknown): Tree {
  try {
    return readDefinition(workflow) as Tree;
  } catch (err) {
    if (isWeftError(err) && err.code === WorkflowInvalid.code) throw WorkflowInvalid({ details: { details: err.details ?? {} }, cause: err });
    throw err;
  }
}

/** `{fields?}` of a proceed: merged over the workitem's fields, top level. */
export function readProceedFields(raw: unknown): Fields | undefined {
  const body = isObject(raw) ? raw : {};
  if (!present(body.fields)) return undefined;
  if (!isObject(body.fields)) throw ProcessFieldInvalid('fields must be an object');
  return body.fields;
}

export function readReplayInput(raw: unknown): { tree?: Tree; fields?: Fields } {
  const body = isObject(raw) ? raw : {};
  const out: { tree?: Tree; fields?: Fields } = {};
  if (present(body.tree)) out.tree = readWorkflow(body.tree);
  if (present(body.fields)) {
    if (!isObject(body.fields)) throw ProcessFieldInvalid('fields must be an object');
    out.fields = body.fields;
  }
  return out;
}

export function readDefinitionInput(raw: unknown): { name: string; workflow: unknown } {
  const body = isObject(raw) ? raw : {};
  if (!present(body.name)) throw ProcessFieldInvalid('name is missing');
  if (typeof body.name !== 'string' || !/^[A-Za-z0-9_.-]{1,100}$/.test(body.name)) throw ProcessFieldInvalid('name is invalid');
  if (!present(body.workflow)) throw WorkflowMissing();
  return { name: body.name, workflow: body.workflow };
}

const STATUSES = ['running', 'completed', 'cancelled', 'error'];

export function readStatusFilter(raw: unknown): string | null {
  if (raw === undefined || raw === '') return null;
  if (typeof raw !== 'string' || !STATUSES.includes(raw)) throw ProcessFieldInvalid('status is invalid');
  return raw;
}

const DELIVERY_STATES: readonly DeliveryState[] = ['pending', 'delivered', 'failed', 'superseded'];
// Default 100 deliveries a listing, at most 500.
const DELIVERY_LIMIT = { default: 100, max: 500 };

/** GET /v1/deliveries's query: `state` (default pending), `failing` (true|false), `limit` (1–500). */
export function readDeliveryFilter(query: Record<string, unknown>): DeliveryFilter {
  const { state = 'pending', failing = 'false', limit } = query;
  if (typeof state !== 'string' || !DELIVERY_STATES.includes(state as DeliveryState)) throw ProcessFieldInvalid('state is invalid');
  if (failing !== 'true' && failing !== 'false') throw ProcessFieldInvalid('failing is invalid');
  const n = limit === undefined || limit === '' ? DELIVERY_LIMIT.default : Number(limit);
  if (!Number.isInteger(n) || n < 1 || n > DELIVERY_LIMIT.max) throw ProcessFieldInvalid('limit is invalid');
  return { state: state as DeliveryState, failing: failing === 'true', limit: n };
}
