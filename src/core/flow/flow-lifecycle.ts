import { FlowInstanceNotActive, failure } from './flow-errors.js';
import type { FlowResult, FlowSnapshot, StepState } from './flow-types.js';

function mapSteps(steps: Record<string, StepState>, from: StepState, to: StepState): Record<string, StepState> {
  const out: Record<string, StepState> = {};
  for (const [id, s] of Object.entries(steps)) out[id] = s === from ? to : s;
  return out;
}

/** An active instance becomes paused; its active steps become paused. */
export function pauseInstance(snapshot: FlowSnapshot): FlowResult {
  if (snapshot.state !== 'active') return failure(FlowInstanceNotActive(snapshot.state, 'be paused'), snapshot);
  return { ok: true, next: { state: 'paused', steps: mapSteps(snapshot.steps, 'active', 'paused'), data: snapshot.data }, applied: [] };
}

/**
 * A paused instance becomes active again with its paused steps active. Automatic transitions do
 * not run on resume (rule 2 runs them after a start or a manual transition only).
 */
export function resumeInstance(snapshot: FlowSnapshot): FlowResult {
  if (snapshot.state !== 'paused') return failure(FlowInstanceNotActive(snapshot.state, 'be resumed'), snapshot);
  return { ok: true, next: { state: 'active', steps: mapSteps(snapshot.steps, 'paused', 'active'), data: snapshot.data }, applied: [] };
}

/**
 * An active or paused instance is exited for good. Step states are kept as they were, so the
 * instance still shows where the subject left.
 */
export function exitInstance(snapshot: FlowSnapshot): FlowResult {
  if (snapshot.state !== 'active' && snapshot.state !== 'paused') return failure(FlowInstanceNotActive(snapshot.state, 'be exited'), snapshot);
  return { ok: true, next: { state: 'exited', steps: { ...snapshot.steps }, data: snapshot.data }, applied: [] };
}
