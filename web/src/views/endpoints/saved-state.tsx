import { useEffect, useRef } from 'react';
import { useApi, useEvents, usePoll } from '../../lib/hooks.js';
import { ErrorLine, Json, Section, Time, useNow } from '../../components/common.js';

// Default 20 (the server's default too): records shown, newest first; weft keeps at most 100.
const LIMIT = 20;
// Default 10 s: the fallback poll; /ws/events reloads at once when the endpoint serves a request.
const FALLBACK_MS = 10_000;

interface StateRecord {
  created_at: string;
  record: {
    system?: { timestamps?: { endpointDuration?: { milliseconds?: number } } };
    lookupHttpStatus?: number;
    lookupNetworkError?: boolean;
    [field: string]: unknown;
  };
}

/**
 * An endpoint's saved state (GET /endpoints/:id/state): one record per request it served. It
 * reloads on the endpoint's endpoint.served, and when its definition changes (`revision`, the
 * definition's updatedAt, as the parent read it): the parent has seen that the endpoint is still
 * there, so a deleted endpoint's state is not asked for.
 */
export function SavedState(props: { id: string; revision: string }) {
  const api = useApi();
  const now = useNow();
  const state = usePoll(
    () => api.get<{ records: StateRecord[] }>(`/endpoints/${props.id}/state?limit=${LIMIT}`).then((b) => b.records),
    [api, props.id],
    FALLBACK_MS,
    { events: api },
  );
  useEvents(api, (e) => e.event === 'endpoint.served' && e.data.id === props.id, state.reload);
  const revision = useRef(props.revision);
  const { reload } = state;
  useEffect(() => {
    if (revision.current === props.revision) return;
    revision.current = props.revision;
    reload();
  }, [props.revision, reload]);
  const records = state.data;
  return (
    <Section title="Saved state">
      <div id="endpoint-state" data-records={records?.length}>
        <ErrorLine error={state.error} />
        {records?.length === 0 && <p className="muted">nothing saved yet: the endpoint has not served a request</p>}
        {records && records.length > 0 && (
          <ol className="state-records">
            {records.map((r, i) => {
              const ms = r.record.system?.timestamps?.endpointDuration?.milliseconds;
              return (
                <li key={`${r.created_at}-${records.length - i}`} className="state-record">
                  <details open={i === 0}>
                    <summary>
                      {/* Date.now(), not the ticking `now`: a record just saved must not read "in 1s". */}
                      <Time at={r.created_at} now={Math.max(now, Date.now())} />
                      {ms !== undefined && <span className="muted small"> · {ms} ms</span>}
                      {r.record.lookupHttpStatus !== undefined && <span className="muted small"> · lookups answered {r.record.lookupHttpStatus}</span>}
                      {r.record.lookupNetworkError && <span className="error-text small"> · lookup network error</span>}
                    </summary>
                    <Json value={r.record} />
                  </details>
                </li>
              );
            })}
          </ol>
        )}
        {records && records.length === LIMIT && <p className="muted small">the newest {LIMIT} records</p>}
      </div>
    </Section>
  );
}
