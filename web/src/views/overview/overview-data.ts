import { ApiError, type Api } from '../../lib/api.js';
import { countBy } from '../../components/common.js';

const HOUR = 3600_000;
// Default 30: the histories read per refresh to count transitions; the API has no per-minute totals.
const MAX_HISTORIES = 30;
// Default 20: running processes read in full per refresh to find failing deliveries.
const MAX_PROCESS_DETAILS = 20;

type InstanceRow = { id: string; state: string; updated_at: string };
// Default 1000: the most instances the API lists at once, so counts stop there.
const listInstances = (api: Api) => api.get<{ instances: InstanceRow[] }>('/v1/flow-instances?limit=1000').then((b) => b.instances);

/** Flow instance counts by state. */
export async function loadFlowCounts(api: Api): Promise<Record<string, number>> {
  return countBy(await listInstances(api), (i) => i.state);
}

/** The times of the transitions fired in the last hour, from the histories of recently changed instances. */
export async function loadTransitionTimes(api: Api): Promise<string[]> {
  const recent = (await listInstances(api)).filter((i) => Date.now() - Date.parse(i.updated_at) < HOUR).slice(-MAX_HISTORIES);
  const histories = await Promise.all(recent.map((i) => api.get<{ history: Array<{ at: string }> }>(`/v1/flow-instances/${i.id}/history`).catch(() => ({ history: [] }))));
  return histories.flatMap((h) => h.history.map((e) => e.at));
}

export interface Attention {
  key: string;
  wfid: string;
  what: string;
  message: string;
}


interface ProcessDetail {
  id: string;
  workitems: Array<{ workitem_id: string; participant: string; delivery: { attempts: number; last_error: string | null; next_attempt_at: string | null } | null }>;
  errors: Array<{ id: string; message: string }>;
}

type ProcessRow = { id: string; status: string };
const listProcesses = (api: Api) => api.get<{ workflows: ProcessRow[] }>('/v1/workflows').then((b) => b.workflows);

export async function loadProcessCounts(api: Api): Promise<Record<string, number>> {
  return countBy(await listProcesses(api), (w) => w.status);
}

/** Errors and failing deliveries of the running processes (the list carries neither: each is read). */
export async function loadProcessAttention(api: Api): Promise<Attention[]> {
  const workflows = await listProcesses(api);
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
  return attention;
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
