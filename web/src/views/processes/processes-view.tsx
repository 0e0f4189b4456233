import { useEffect, useMemo, useState } from 'react';
import type { ViewProps } from '../../app.js';
import { useApi, useEvents, usePoll } from '../../lib/hooks.js';
import { Link, navigate, useWsPath } from '../../lib/router.js';
import { Badge, ErrorLine, LiveDot, Section, Time, useNow } from '../../components/common.js';
import { searchProcesses, type DetailCache } from './process-search.js';

const STATUSES = ['running', 'completed', 'cancelled', 'error'] as const;
// Default 10 s: the fallback poll; /ws/events reloads at once when a process changes.
const FALLBACK_MS = 10_000;
// Default 300 ms: the search runs once typing pauses (a field search reads up to 100 processes).
const SEARCH_DEBOUNCE_MS = 300;
// Default 1 s: the least time between two field searches that pushed changes ask for (each may
// read processes one by one); a plain list reloads after 200 ms.
const FIELD_SEARCH_GAP_MS = 1000;

/** Processes by status (filtered by the API), searched by id, name or `field=value`. */
export function ProcessesView(props: ViewProps) {
  const api = useApi();
  const path = useWsPath();
  const now = useNow();
  const status = props.location.query.get('status') ?? '';
  const q = props.location.query.get('q') ?? '';
  const byField = q.includes('=');
  // Read details are kept across reloads (and searches) of this workspace while their process stands still.
  const details = useMemo<DetailCache>(() => new Map(), [api]);
  const list = usePoll(() => searchProcesses(api, status, q, details), [api, status, q], FALLBACK_MS, {
    events: api,
    minGapMs: byField ? FIELD_SEARCH_GAP_MS : undefined,
  });
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
      {list.data?.limit && (
        <p className="muted small" id="processes-limit">
          {list.data.limit}
        </p>
      )}
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
          {(list.data?.processes ?? []).map((w) => (
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
          {list.data?.processes.length === 0 && (
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
