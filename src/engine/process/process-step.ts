import { activeWorkitemIds, type ProcessEffect, type ProcessState } from '../../core/process/interpreter/index.js';
import type { NewDelivery, StepWrite } from '../../storage/process-store.js';

// Turns an interpreter result (next state + effects) into the rows one transaction writes:
// the process row, outbox deliveries with their exact callback bodies, timers to add and remove.

export interface StepEnv {
  now: number;
  publicUrl: string;
  /** An unguessable proceed token. */
  newToken(): string;
  /** A delivery's webhook-id, the same on every attempt. */
  newWebhookId(): string;
}

const ENDED = new Set(['completed', 'cancelled']);

export function proceedUrl(publicUrl: string, wfid: string, workitemId: string, token: string): string {
  return `${publicUrl}/v1/workflows/${wfid}/workitems/${workitemId}/proceed?token=${token}`;
}

/** What a step's write needs of the process as it was: read before the step (which may change the state in place). */
export interface StepBefore {
  tokens: Record<string, string>;
  /** The workitems waiting on their participant. */
  active: string[];
  /** Whether the process had timers set (each has a timer row; none without). */
  timers: boolean;
}

export function beforeStep(p: { state: ProcessState; tokens: Record<string, string> }): StepBefore {
  let timers = false;
  for (const _ in p.state.timers) {
    timers = true;
    break;
  }
  return { tokens: p.tokens, active: activeWorkitemIds(p.state), timers };
}

export function toStepWrite(
  before: StepBefore | null,
  result: { state: ProcessState; effects: ProcessEffect[] },
  env: StepEnv,
): StepWrite {
  const { state, effects } = result;
  const tokens: Record<string, string> = { ...(before?.tokens ?? {}) };
  const deliveries: NewDelivery[] = [];
  // Net effect per timer, in order: a timer scheduled then unscheduled in one step is neither.
  const timers = new Map<string, number | null>();
  for (const e of effects) {
    if (e.type === 'dispatch') {
      if (e.status === 'active' && tokens[e.workitemId] === undefined) tokens[e.workitemId] = env.newToken();
      const token = tokens[e.workitemId] ?? env.newToken();
      // The seed's key order: workflow_id, workitem_id, participant, status, fields, proceed_url.
      const body = JSON.stringify({
        workflow_id: state.wfid,
        workitem_id: e.workitemId,
        participant: e.participant,
        status: e.status,
        fields: e.fields,
        proceed_url: proceedUrl(env.publicUrl, state.wfid, e.workitemId, token),
      });
      deliveries.push({ webhookId: env.newWebhookId(), workitemId: e.workitemId, participant: e.participant, status: e.status, url: e.url, body });
    } else if (e.type === 'schedule') timers.set(e.timerId, e.dueAt);
    else if (e.type === 'unschedule') timers.set(e.timerId, null);
  }
  const active = new Set(activeWorkitemIds(state));
  const wasActive = before?.active ?? [];
  for (const id of Object.keys(tokens)) if (!active.has(id)) delete tokens[id];
  const schedule: StepWrite['schedule'] = [];
  const unschedule: string[] = [];
  for (const [timerId, dueAt] of timers) {
    if (dueAt === null) unschedule.push(timerId);
    else schedule.push({ timerId, dueAt });
  }
  const fresh = new Set<string>();
  for (const d of deliveries) if (d.status === 'active' && !wasActive.includes(d.workitemId)) fresh.add(d.workitemId);
  return {
    state,
    status: state.status,
    endedAt: ENDED.has(state.status) ? (state.endedAt ?? env.now) : null,
    tokens,
    deliveries,
    schedule,
    unschedule,
    settle: wasActive.filter((id) => !active.has(id)),
    fresh: [...fresh],
    noTimersBefore: before === null || !before.timers,
  };
}
