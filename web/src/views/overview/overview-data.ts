import { ApiError, type Api } from '../../lib/api.js';
import { countBy } from '../../components/common.js';

const HOUR = 3600_000;
// Default 30: the histories read per refresh to count transitions; the API has no per-minute totals.
const MAX_HISTORIES = 30;
// Default 20: running processes read in full per refresh to find failing deliveries.
const MAX_PROCESS_DETAILS = 20;

export interface FlowActivity {
  counts: Record<string, number>;
  transitionTimes: string[];
}

/** Instance counts by state, and the times of transitions fired in the last hour (client-side). */
export async function loadFlowActivity(api: Api): Promise<FlowActivity> {
  const { instances } = await api.get<{ instances: Array<{ id: string; state: string; updated_at: string }> }>('/v1/flow-instances?limit=1000');
  const recent = instances.filter((i) => Date.now() - Date.parse(i.updated_at) < HOUR).slice(-MAX_HISTORIES);
  const histories = await Promise.all(recent.map((i) => api.get<{ history: Array<{ at: string }> }>(`/v1/flow-instances/${i.id}/history`).catch(() => ({ history: [] }))));
  return { counts: countBy(instances, (i) => i.state), transitionTimes: histories.flatMap((h) => h.history.map((e) => e.at)) };
}

export interface Attention {
  key: string;
  wfid: string;
  what: string;
  message: string;
}

export interface ProcessActivity {
  counts: Record<string, number>;
  attention: Attention[];
}

interface ProcessDetail {
  id: string;
  workitems: Array<{ workitem_id: string; participant: string; delivery: { attempts: number; last_error: string | null; next_attempt_at: string | null } | null }>;
  errors: Array<{ id: string; message: string }>;
}

export async function loadProcessActivity(api: Api): Promise<ProcessActivity> {
  const { workflows } = await api.get<{ workflows: Array<{ id: string; status: string }> }>('/v1/workflows');
  const open = workflows.filter((w) => w.status === 'running' || w.status === 'error').slice(0, MAX_PROCESS_DETAILS);
  const details = await Promise.all(open.map((w) => api.get<ProcessDetail>(`/v1/workflows/${encodeURIComponent(w.id)}`).catch(() => null)));
  const attention: Attention[] = [];
  for (const d of details) {
    if (!d) continue;
    for (const e of d.errors) attention.push({ key: `${d.id}/e/${e.id}`, wfid: d.id, what: 'error', message: e.message });
    for (const w of d.workitems) {
      if (w.delivery?.last_error) attention.push({ key: `${d.id}/${w.workitem_id}`, wfid: d.id, what: `${w.participant}: ${w.delivery.attempts} attempts`, message: w.delivery.last_error });
    }
  }
  return { counts: countBy(workflows, (w) => w.status), attention };
}

/** The number of endpoints, or null while the server has no endpoints API. */
export async function loadEndpointCount(api: Api): Promise<number | null> {
  try {
    const body = await api.get<unknown>('/endpoints');
    return Array.isArray(body) ? body.length : Array.isArray((body as { endpoints?: unknown[] })?.endpoints) ? (body as { endpoints: unknown[] }).endpoints.length : null;
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return null;
    throw err;
  }
}
