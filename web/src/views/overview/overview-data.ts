import type { Api } from '../../lib/api.js';

/** GET /v1/stats/counts: counts by status per capability; a status with none is absent. */
export interface Counts {
  tasks: Record<string, number>;
  flow_instances: Record<string, number>;
  processes: Record<string, number>;
  endpoints: number;
}

export const loadCounts = (api: Api) => api.get<Counts>('/v1/stats/counts');

export interface Throughput {
  /** Start of each minute, ms, oldest first. */
  minutes: number[];
  tasksCompleted: number[];
  transitionsFired: number[];
}

/** GET /v1/stats/throughput: tasks completed and transitions fired per minute, oldest first. */
export async function loadThroughput(api: Api, minutes = 60): Promise<Throughput> {
  const body = await api.get<{ minutes: Array<{ at: string; tasks_completed: number; transitions_fired: number }> }>(`/v1/stats/throughput?minutes=${minutes}`);
  return {
    minutes: body.minutes.map((m) => Date.parse(m.at)),
    tasksCompleted: body.minutes.map((m) => m.tasks_completed),
    transitionsFired: body.minutes.map((m) => m.transitions_fired),
  };
}

export interface Attention {
  key: string;
  wfid: string;
  what: string;
  message: string;
}

export interface AttentionList {
  items: Attention[];
  /** Processes in error (GET /v1/workflows?status=error lists at most LIST_CAP, 500). */
  errored: number;
  /** Of those, the ones whose errors are listed. */
  erroredShown: number;
  /** The failing deliveries reached the limit asked for: there may be more. */
  failingCapped: boolean;
}

interface ProcessDetail {
  id: string;
  errors: Array<{ id: string; message: string }>;
}

interface FailingDelivery {
  webhook_id: string;
  workflow_id: string;
  workitem_id: string;
  participant: string;
  attempts: number;
  last_error: string;
}

// Default 20: processes in error read in full per refresh for their errors (the list carries none).
const MAX_PROCESS_DETAILS = 20;
// Default 50 failing deliveries shown, the soonest retried first.
export const MAX_FAILING = 50;
// Default 10 s (the views' fallback poll): how long a process read in full is used again without
// an event saying it changed; a dropped /ws/events socket loses events, this bounds the staleness.
const DETAIL_TTL_MS = 10_000;

/**
 * What needs attention among processes: failing participant deliveries (GET /v1/deliveries) and
 * the errors of processes in error (GET /v1/workflows?status=error: an expression that fails puts
 * its process in error). A process is read in full once, then again only after `changed(wfid)`
 * (its process.changed or callback event) or DETAIL_TTL_MS, so a burst of changes elsewhere costs
 * two list requests per reload, not one request per process.
 */
export function createAttentionLoader(api: Api) {
  const details = new Map<string, { detail: ProcessDetail; at: number }>();
  // Bumped by every change heard of: a read that began before it is not kept.
  let generation = 0;
  let forgotAt = 0;
  const changedAt = new Map<string, number>();
  return {
    changed(wfid: string) {
      changedAt.set(wfid, ++generation);
      details.delete(wfid);
    },
    forget() {
      forgotAt = ++generation;
      changedAt.clear();
      details.clear();
    },
    async load(): Promise<AttentionList> {
      const [{ workflows }, { deliveries }] = await Promise.all([
        api.get<{ workflows: Array<{ id: string; status: string }> }>('/v1/workflows?status=error'),
        api.get<{ deliveries: FailingDelivery[] }>(`/v1/deliveries?failing=true&limit=${MAX_FAILING}`),
      ]);
      const shown = workflows.slice(0, MAX_PROCESS_DETAILS);
      const now = Date.now();
      const read = await Promise.all(
        shown.map(async (w) => {
          const hit = details.get(w.id);
          if (hit && now - hit.at < DETAIL_TTL_MS) return hit.detail;
          const began = generation;
          const detail = await api.get<ProcessDetail>(`/v1/workflows/${encodeURIComponent(w.id)}`).catch(() => null);
          if (detail && Math.max(forgotAt, changedAt.get(w.id) ?? 0) <= began) details.set(w.id, { detail, at: now });
          return detail;
        }),
      );
      const listed = new Set(shown.map((w) => w.id));
      for (const id of [...details.keys()]) if (!listed.has(id)) details.delete(id);
      for (const id of [...changedAt.keys()]) if (!listed.has(id)) changedAt.delete(id);
      const items: Attention[] = deliveries.map((d) => ({
        key: d.webhook_id,
        wfid: d.workflow_id,
        what: `${d.participant}: ${d.attempts} ${d.attempts === 1 ? 'attempt' : 'attempts'}`,
        message: d.last_error,
      }));
      for (const d of read) {
        if (!d) continue;
        for (const e of d.errors) items.push({ key: `${d.id}/e/${e.id}`, wfid: d.id, what: 'error', message: e.message });
      }
      return { items, errored: workflows.length, erroredShown: shown.length, failingCapped: deliveries.length >= MAX_FAILING };
    },
  };
}
