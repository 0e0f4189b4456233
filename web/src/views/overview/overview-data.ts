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

// Default 20: processes read in full per refresh for their errors (the list carries none).
const MAX_PROCESS_DETAILS = 20;
// Default 50 failing deliveries shown, the soonest retried first.
const MAX_FAILING = 50;

/** Failing participant deliveries (GET /v1/deliveries), and the errors of running and errored processes. */
export async function loadProcessAttention(api: Api): Promise<Attention[]> {
  const [{ workflows }, { deliveries }] = await Promise.all([
    api.get<{ workflows: Array<{ id: string; status: string }> }>('/v1/workflows'),
    api.get<{ deliveries: FailingDelivery[] }>(`/v1/deliveries?failing=true&limit=${MAX_FAILING}`),
  ]);
  const open = workflows.filter((w) => w.status === 'running' || w.status === 'error').slice(0, MAX_PROCESS_DETAILS);
  const details = await Promise.all(open.map((w) => api.get<ProcessDetail>(`/v1/workflows/${encodeURIComponent(w.id)}`).catch(() => null)));
  const attention: Attention[] = deliveries.map((d) => ({
    key: d.webhook_id,
    wfid: d.workflow_id,
    what: `${d.participant}: ${d.attempts} ${d.attempts === 1 ? 'attempt' : 'attempts'}`,
    message: d.last_error,
  }));
  for (const d of details) {
    if (!d) continue;
    for (const e of d.errors) attention.push({ key: `${d.id}/e/${e.id}`, wfid: d.id, what: 'error', message: e.message });
  }
  return attention;
}
