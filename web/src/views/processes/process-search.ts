import { ApiError, messageOf, type Api } from '../../lib/api.js';
import { fieldMatches, type ProcessDetail, type ProcessSummary } from './process-types.js';

// The Processes search. GET /v1/workflows filters by status and lists the newest 500 (the API's
// cap); it searches neither names nor fields, so those are searched here, among what it lists,
// and the result says so. An exact wfid is asked for directly (GET /v1/workflows/:wfid).

/** The API's cap on GET /v1/workflows (src/engine/process/process-service.ts LIST_LIMIT). */
export const LIST_CAP = 500;
// Default 100: the processes read in full for a field search (the list carries no fields).
export const MAX_FIELD_SEARCH = 100;

/** `YYYYMMDD-HHMM-word-word`, as weft (and Ruote) name processes. */
export const WFID = /^[0-9]{8}-[0-9]{4}-[a-z]+-[a-z]+$/;

export interface Found {
  processes: ProcessSummary[];
  /** What the search could not cover, in words; null when it covered every process. */
  limit: string | null;
}

/**
 * Details read for field searches, kept while the process's summary stays the same: a running
 * process's `fields` are its launch fields, an ended one's its final fields (docs/processes.md),
 * so they change only with its status.
 */
export type DetailCache = Map<string, { stamp: string; detail: ProcessDetail }>;

const stampOf = (w: ProcessSummary) => `${w.status}|${w.ended_at ?? ''}`;

export async function searchProcesses(api: Api, status: string, q: string, cache: DetailCache): Promise<Found> {
  const text = q.trim();
  if (WFID.test(text)) {
    // One process by its id, whatever its age: found, or not there.
    const r = await api.request<ProcessDetail>(`/v1/workflows/${encodeURIComponent(text)}`, { raw: true });
    if (r.status === 404) return { processes: [], limit: null };
    if (r.status >= 400) throw new ApiError(r.status, messageOf(r.status, r.body, r.text), r.body);
    return { processes: !status || r.body.status === status ? [r.body] : [], limit: null };
  }
  const { workflows } = await api.get<{ workflows: ProcessSummary[] }>(`/v1/workflows${status ? `?status=${encodeURIComponent(status)}` : ''}`);
  const capped = workflows.length >= LIST_CAP;
  const which = status ? `${status} processes` : 'processes';
  if (!text) return { processes: workflows, limit: capped ? `showing the newest ${LIST_CAP} ${which} (the API lists no more); search an id to find an older one` : null };
  if (!text.includes('=')) {
    const lower = text.toLowerCase();
    const processes = workflows.filter((w) => w.id.toLowerCase().includes(lower) || (w.name ?? '').toLowerCase().includes(lower));
    return { processes, limit: capped ? `searched the newest ${LIST_CAP} ${which} by id and name; a full process id finds an older one` : null };
  }
  const searched = workflows.slice(0, MAX_FIELD_SEARCH);
  const details = await Promise.all(
    searched.map(async (w) => {
      const stamp = stampOf(w);
      const hit = cache.get(w.id);
      if (hit && hit.stamp === stamp) return hit.detail;
      const detail = await api.get<ProcessDetail>(`/v1/workflows/${encodeURIComponent(w.id)}`).catch(() => null);
      // Kept under the stamp the list gave: if the process moved on meanwhile, the next search reads it again.
      if (detail) cache.set(w.id, { stamp, detail });
      return detail;
    }),
  );
  const listed = new Set(searched.map((w) => w.id));
  for (const id of [...cache.keys()]) if (!listed.has(id)) cache.delete(id);
  const processes = details.filter((d): d is ProcessDetail => d !== null && fieldMatches(d.fields, text));
  const limit =
    workflows.length > searched.length
      ? `searched the fields of the newest ${searched.length} of ${capped ? `${LIST_CAP} or more` : workflows.length} ${which}; pick a status to narrow the search`
      : null;
  return { processes, limit };
}
