import type { InstanceState } from '../../core/flow/index.js';
import type { InstanceFilter, SubjectUpdate } from '../../storage/flow-store.js';
import { FlowInstanceNotFound, FlowRequestInvalid } from './flow-request-errors.js';

// Request readers shared by REST and /ws/flows: they check types and sizes and produce the
// service's inputs, with the messages clients see.

// Limits: a subject key (an email, an account id) up to 512 characters; identifiers up to 200;
// request ids up to 256. Anything longer is refused before it reaches the store.
export const MAX_SUBJECT_KEY = 512;
export const MAX_IDENTIFIER = 200;
export const MAX_REQUEST_ID = 256;
// Default 100, at most 1,000 instances per list page.
const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const STATES: readonly InstanceState[] = ['active', 'paused', 'exited', 'completed'];

export type Obj = Record<string, unknown>;
export const isObject = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

/** A body that may be absent; anything but an object is refused. */
export function readBody(body: unknown): Obj {
  if (body === undefined || body === null || body === '') return {};
  if (!isObject(body)) throw FlowRequestInvalid('the request body must be a JSON object');
  return body;
}

function requiredString(value: unknown, what: string, max: number): string {
  if (typeof value !== 'string' || value === '') throw FlowRequestInvalid(`${what} is required (a non-empty string)`);
  if (value.length > max) throw FlowRequestInvalid(`${what} is longer than ${max} characters`);
  return value;
}

export const readSubjectKey = (value: unknown, what = 'subject') => requiredString(value, what, MAX_SUBJECT_KEY);
export const readFlowIdentifier = (value: unknown, what = 'flow') => requiredString(value, what, MAX_IDENTIFIER);

/** An instance id: a string that is not a UUID cannot name an instance (a 404); not a string, a 400. */
export function readInstanceId(value: unknown, what = 'flow_instance_id'): string {
  if (value === undefined || value === null || value === '') throw FlowRequestInvalid(`${what} is required`);
  // A mistyped id is a bad request; a string that is no instance's id, an unknown instance.
  if (typeof value !== 'string') throw FlowRequestInvalid(`${what} must be a string`);
  if (!UUID.test(value)) throw FlowInstanceNotFound(value.length <= 64 ? value : `${value.slice(0, 64)}…`);
  return value.toLowerCase();
}

export function readVersion(value: unknown): number {
  const text = String(value);
  if (!/^[1-9][0-9]{0,8}$/.test(text)) throw FlowRequestInvalid('version must be a positive integer');
  return Number(text);
}

/** A request id: a string or a number (numbers are kept as their decimal text). */
export function readRequestId(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'string' && value !== '' && value.length <= MAX_REQUEST_ID) return value;
  throw FlowRequestInvalid(`request_id must be a number or a non-empty string of at most ${MAX_REQUEST_ID} characters`);
}

export interface StartInput {
  flow: string;
  subject: string;
  data: unknown;
}

export function readStartInput(raw: unknown): StartInput {
  const body = readBody(raw);
  // Conditions read it as `data.…`: an object (absent or null is an empty one).
  if (body.data !== undefined && body.data !== null && !isObject(body.data)) throw FlowRequestInvalid('data must be an object');
  return { flow: readFlowIdentifier(body.flow), subject: readSubjectKey(body.subject), data: body.data ?? {} };
}

export interface TransitionInput {
  transition: string;
  step: string | null;
  input: unknown;
  /** Shown in the history; a repeat for the same instance answers the first result. */
  requestId: string | null;
  /** The key a repeat is recognised by, when it differs from the request id (a numeric WebSocket envelope id is scoped to its connection). */
  idempotencyKey?: string | null;
}

/** `names`: the fields as the request calls them (REST `transition`/`step`, the socket's `…_schema_identifier`). */
export function readTransitionFields(
  transition: unknown,
  step: unknown,
  input: unknown,
  requestId: unknown,
  names: { transition: string; step: string } = { transition: 'transition', step: 'step' },
): TransitionInput {
  const t = requiredString(transition, names.transition, MAX_IDENTIFIER);
  if (step !== undefined && step !== null && (typeof step !== 'string' || step.length > MAX_IDENTIFIER)) {
    throw FlowRequestInvalid(`${names.step} must be a step identifier (a string of at most ${MAX_IDENTIFIER} characters)`);
  }
  return { transition: t, step: step === undefined || step === null || step === '' ? null : step, input: input ?? {}, requestId: readRequestId(requestId) };
}

export function readSubjectUpdate(raw: unknown): SubjectUpdate {
  const body = readBody(raw);
  const update: SubjectUpdate = {};
  if (body.properties !== undefined) {
    if (!isObject(body.properties)) throw FlowRequestInvalid('properties must be a JSON object');
    update.properties = body.properties;
  }
  if (body.schema !== undefined) {
    if (body.schema !== null && !isObject(body.schema) && typeof body.schema !== 'boolean') throw FlowRequestInvalid('schema must be a JSON Schema (an object), or null to remove it');
    update.schema = body.schema;
  }
  return update;
}

export function readInstanceFilter(query: unknown): InstanceFilter {
  const q = isObject(query) ? query : {};
  const one = (name: string): string | undefined => {
    const v = q[name];
    if (v === undefined || v === '') return undefined;
    if (typeof v !== 'string') throw FlowRequestInvalid(`${name} must be given once`);
    return v;
  };
  const filter: InstanceFilter = { limit: DEFAULT_LIMIT, offset: 0 };
  const subject = one('subject');
  if (subject !== undefined) filter.subject = readSubjectKey(subject);
  const flow = one('flow');
  if (flow !== undefined) filter.flow = readFlowIdentifier(flow);
  const state = one('state');
  if (state !== undefined) {
    if (!STATES.includes(state as InstanceState)) throw FlowRequestInvalid(`state must be one of ${STATES.join(', ')}`);
    filter.state = state;
  }
  const limit = one('limit');
  if (limit !== undefined) {
    if (!/^[0-9]{1,4}$/.test(limit) || Number(limit) < 1 || Number(limit) > MAX_LIMIT) throw FlowRequestInvalid(`limit must be an integer from 1 to ${MAX_LIMIT}`);
    filter.limit = Number(limit);
  }
  const offset = one('offset');
  if (offset !== undefined) {
    if (!/^[0-9]{1,9}$/.test(offset)) throw FlowRequestInvalid('offset must be a non-negative integer');
    filter.offset = Number(offset);
  }
  return filter;
}
