import { useEffect, useState } from 'react';
import type { ViewProps } from '../../app.js';
import { useApi, useEvents, usePoll } from '../../lib/hooks.js';
import { Link, navigate, useWsPath } from '../../lib/router.js';
import { Badge, ErrorLine, LiveDot, Section, Time, useNow } from '../../components/common.js';
import { fieldMatches, type ProcessDetail, type ProcessSummary } from './process-types.js';

const STATUSES = ['running', 'completed', 'cancelled', 'error'] as const;
// Default 100: processes read in full per refresh for a field search (the API searches no fields).
const MAX_FIELD_SEARCH = 100;
// Default 10 s: the fallback poll; /ws/events reloads at once when a process changes.
const FALLBACK_MS = 10_000;
// Default 300 ms: the search runs once typing pauses (a field search reads up to 100 processes).
const SEARCH_DEBOUNCE_MS = 300;

/** Processes by status, searched by id, name or `field=value`. */
export function ProcessesView(props: ViewProps) {
  const api = useApi();
  const path = useWsPath();
  const now = useNow();
  const status = props.location.query.get('status') ?? '';
  const q = props.location.query.get('q') ?? '';
  const byField = q.includes('=');
  const list = usePoll(
    async () => {
      const { workflows } = await api.get<{ workflows: ProcessSummary[] }>(`/v1/workflows${status ? `?status=${status}` : ''}`);
      const lower = q.toLowerCase();
      if (!byField) return workflows.filter((w) => !q || w.id.toLowerCase().includes(lower) || (w.name ?? '').toLowerCase().includes(lower));
      const details = await Promise.all(workflows.slice(0, MAX_FIELD_SEARCH).map((w) => api.get<ProcessDetail>(`/v1/workflows/${encodeURIComponent(w.id)}`).catch(() => null)));
      return details.filter((d): d is ProcessDetail => d !== null && fieldMatches(d.fields, q));
    },
    [api, status, q],
    FALLBACK_MS,
  );
  const connected = useEvents(api, (e) => e.event === 'process.changed', list.reload);
  const setQuery = (name: string, value: string) => {
    const next = new URLSearchParams(props.location.query);
    if (value) next.set(name, value);
    else next.delete(name);
    const qs = next.toString();
    navigate(`${path('/processes')}${qs ? '?' + qs : ''}`, { replace: true });
  };
  // What is typed goes to the address (and the search) when typing pauses; back/forward bring the address's back.
  const [typed, setTyped] = useState(q);
  useEffect(() => setTyped(q), [q]);
  useEffect(() => {
    if (typed === q) return;
    const t = setTimeout(() => setQuery('q', typed), SEARCH_DEBOUNCE_MS);
    return () => clearTimeout(t);
  }, [typed]); // eslint-disable-line react-hooks/exhaustive-deps

  return (
    <Section
      title={
        <>
          Processes <LiveDot connected={connected} />
        </>
      }
      actions={
        <>
          <div className="tabs" role="tablist">
            {['', ...STATUSES].map((s) => (
              <button key={s || 'all'} type="button" role="tab" aria-selected={status === s} className={status === s ? '' : 'secondary'} onClick={() => setQuery('status', s)}>
                {s || 'all'}
              </button>
            ))}
          </div>
          <input id="process-search" type="search" placeholder="id, name or field=value" value={typed} onChange={(e) => setTyped(e.target.value)} />
        </>
      }
    >
      <ErrorLine error={list.error} />
      <table className="grid" id="processes-table">
        <thead>
          <tr>
            <th>id</th>
            <th>name</th>
            <th>status</th>
            <th>launched</th>
            <th>ended</th>
          </tr>
        </thead>
        <tbody>
          {(list.data ?? []).map((w) => (
            <tr key={w.id} data-wfid={w.id} data-status={w.status}>
              <td className="mono">
                <Link to={path(`/processes/${w.id}`)}>{w.id}</Link>
              </td>
              <td>{w.name ?? <span className="muted">—</span>}</td>
              <td>
                <Badge status={w.status} /> {w.paused && <Badge status="paused" />}
              </td>
              <td>
                <Time at={w.launched_at} now={now} />
              </td>
              <td>
                <Time at={w.ended_at} now={now} />
              </td>
            </tr>
          ))}
          {list.data?.length === 0 && (
            <tr>
              <td colSpan={5} className="muted">
                no processes{status || q ? ' match' : ''}
              </td>
            </tr>
          )}
        </tbody>
      </table>
    </Section>
  );
}
