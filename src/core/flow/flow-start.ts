import { isWeftError } from '../errors.js';
import { advance } from './flow-advance.js';
import { failure } from './flow-errors.js';
import { startSteps } from './flow-graph.js';
import type { FlowContext, FlowResult, FlowSchemaVersionBody, HistoryEntry, StepState } from './flow-types.js';

export interface StartOptions {
  /** Initial instance data. Default {}. */
  data?: unknown;
  requestId?: string | null;
}

/**
 * Rule 1 then rules 2 and 4: every step inactive except the start steps, which become active;
 * then automatic transitions fire (conditions see `input` as {}). The one-instance-per-subject
 * check (409) needs the store and belongs to the engine.
 */
export function startInstance(schema: FlowSchemaVersionBody, ctx: FlowContext & StartOptions): FlowResult {
  const steps: Record<string, StepState> = {};
  for (const s of schema.steps) steps[s.identifier] = 'inactive';
  for (const id of startSteps(schema)) steps[id] = 'active';
  const data = ctx.data ?? {};
  const applied: HistoryEntry[] = [];
  const state = advance(schema, steps, { subject: ctx.subject, data, input: {} }, { requestId: ctx.requestId ?? null, at: ctx.now }, applied);
  if (isWeftError(state)) return failure(state, undefined);
  return { ok: true, next: { state, steps, data }, applied };
}
