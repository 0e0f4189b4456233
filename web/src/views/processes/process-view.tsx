import { useEffect } from 'react';
import type { ViewProps } from '../../app.js';
import { useAddressMessage, useApi, useEvents, usePoll } from '../../lib/hooks.js';
import { Link, useWsPath } from '../../lib/router.js';
import { Badge, ConfirmButton, ErrorLine, Json, Section, Time, useNow } from '../../components/common.js';
import { ProcessOutline } from './process-outline.js';
import { expidOf, type ProcessDetail } from './process-types.js';

// Default 10 s: the fallback poll; /ws/events reloads at once on process.changed, callback.retrying and callback.failed.
const FALLBACK_MS = 10_000;
// Default 1 s: how long after a delivery's next attempt is due the view looks at its outcome.
const AFTER_RETRY_MS = 1000;

/**
 * A delivery attempt that succeeds or is retried later pushes no event (only one that gives up
 * does): the view knows when the next attempt is due, so it looks again just after it.
 */
function useReloadAfterRetries(d: ProcessDetail | undefined, reload: () => void) {
  const due = d?.workitems
    .map((w) => (w.delivery?.state === 'pending' && w.delivery.next_attempt_at ? Date.parse(w.delivery.next_attempt_at) : NaN))
    .filter((t) => !Number.isNaN(t))
    .sort((a, b) => a - b)[0];
  useEffect(() => {
    if (due === undefined) return;
    const wait = Math.max(0, due - Date.now()) + AFTER_RETRY_MS;
    if (wait > FALLBACK_MS) return;
    const t = setTimeout(reload, wait);
    return () => clearTimeout(t);
  }, [due, reload]);
}

/**
 * One process: its tree with the current positions, fields, trace, the deliveries of the
 * workitems waiting, errors and actions.
 */
export function ProcessView(props: ViewProps) {
  const api = useApi();
  const path = useWsPath();
  const now = useNow();
  const wfid = props.params.wfid;
  const [error, setError] = useAddressMessage<string>(props.location.path);
  const p = usePoll(() => api.get<ProcessDetail>(`/v1/workflows/${encodeURIComponent(wfid)}`), [api, wfid], FALLBACK_MS, { events: api });
  useEvents(api, (e) => (e.event === 'process.changed' || e.event === 'callback.failed' || e.event === 'callback.retrying') && e.data.wfid === wfid, p.reload);
  useReloadAfterRetries(p.data, p.reload);
  const act = async (route: string, body?: unknown) => {
    setError(null);
    try {
      await api.request(`/v1/workflows/${encodeURIComponent(wfid)}/${route}`, { method: 'POST', json: body ?? {} });
      p.reload();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };

  const d = p.data;
  if (!d) return <ErrorLine error={p.error} />;
  const live = d.status === 'running' || d.status === 'error';
  const current = new Map(d.workitems.map((w) => [expidOf(w.workitem_id), w.participant]));
  const errored = new Set(d.errors.map((e) => e.expid));

  return (
    <div className="split with-detail">
      <div>
        <Section
          title={
            <>
              <Link to={path('/processes')}>Processes</Link> / <span className="mono">{d.id}</span> {d.name && <span>{d.name}</span>} <Badge status={d.status} />{' '}
              {d.paused && <Badge status="paused" />}
            </>
          }
          actions={
            live && (
              <>
                {d.paused ? (
                  <ConfirmButton label="Resume" question="Resume this process? What arrived while paused is handled now." onConfirm={() => act('resume')} className="secondary" />
                ) : (
                  <ConfirmButton label="Pause" question="Pause this process? It takes no step until resumed." onConfirm={() => act('pause')} className="secondary" />
                )}
                <ConfirmButton label="Kill" question="Kill without cancel callbacks or on_cancel?" onConfirm={() => act('kill')} className="secondary" />
                <ConfirmButton label="Cancel" question="Cancel this process? Participants get a cancel callback." onConfirm={() => act('cancel')} className="danger" />
              </>
            )
          }
        >
          <ErrorLine error={error ?? p.error} />
          <ProcessOutline tree={d.tree} current={current} errored={errored} />
        </Section>
        <Section title="Waiting participants and their deliveries">
          {/* The API lists deliveries per workspace and state (GET /v1/deliveries), not per process:
              a workitem's delivery is shown while the workitem waits, and leaves with it. */}
          <p className="muted small" id="deliveries-note">
            Each workitem still waiting, with the latest callback sent for it. Deliveries of workitems already proceeded are not kept here.
          </p>
          {d.workitems.length === 0 ? (
            <p className="muted">none waiting</p>
          ) : (
            <table className="grid" id="deliveries">
              <thead>
                <tr>
                  <th>participant</th>
                  <th>expid</th>
                  <th>dispatched</th>
                  <th>delivery</th>
                  <th>attempts</th>
                  <th>last error</th>
                  <th>next retry</th>
                  <th>fields</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {d.workitems.map((w) => (
                  <tr key={w.workitem_id} data-participant={w.participant}>
                    <td>{w.participant}</td>
                    <td className="mono">{expidOf(w.workitem_id)}</td>
                    <td>
                      <Time at={w.dispatched_at} now={now} />
                    </td>
                    <td>{w.delivery ? <Badge status={w.delivery.state} /> : <span className="muted">—</span>}</td>
                    <td>{w.delivery?.attempts ?? ''}</td>
                    <td className="error-cell" title={w.delivery?.last_error ?? ''}>
                      {w.delivery?.last_error ?? ''}
                    </td>
                    <td>{w.delivery?.next_attempt_at ? <Time at={w.delivery.next_attempt_at} now={now} /> : ''}</td>
                    <td>
                      <details className="workitem-fields">
                        <summary className="small">fields</summary>
                        <Json value={w.fields} />
                      </details>
                    </td>
                    <td>
                      {w.delivery?.state === 'pending' && (
                        <ConfirmButton
                          label="Retry now"
                          question="Send this delivery again now?"
                          onConfirm={() => act(`workitems/${encodeURIComponent(w.workitem_id)}/redeliver`)}
                          className="small"
                        />
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Section>
        {d.errors.length > 0 && (
          <Section title="Errors">
            <ul className="attention" id="process-errors">
              {d.errors.map((e) => (
                <li key={e.id}>
                  <span className="mono">{e.expid}</span> <span className="error-text">{e.message}</span> <Time at={e.at} now={now} />{' '}
                  <ConfirmButton label="Replay" question="Replay at this error?" onConfirm={() => act(`errors/${encodeURIComponent(e.id)}/replay`)} className="small" />
                </li>
              ))}
            </ul>
          </Section>
        )}
      </div>
      <div>
        <Section title="Process">
          <dl className="facts">
            <dt>launched</dt>
            <dd>
              <Time at={d.launched_at} now={now} />
            </dd>
            <dt>ended</dt>
            <dd>
              <Time at={d.ended_at} now={now} />
            </dd>
            {d.definition && (
              <>
                <dt>definition</dt>
                <dd>
                  {d.definition} {d.revision && <span className="muted">rev {d.revision}</span>}
                </dd>
              </>
            )}
            {/* docs/processes.md: `fields` are the final fields once the process has ended; until then
                they are the fields it was launched with, while each workitem carries its own. */}
            <dt id="process-fields-label">{d.ended_at ? 'final fields' : 'launch fields'}</dt>
            <dd>
              <Json value={d.fields} />
              {!d.ended_at && <div className="muted small">as launched; the current fields travel with each waiting workitem</div>}
            </dd>
          </dl>
        </Section>
        <Section title="Trace">
          {d.trace.length === 0 ? (
            <p className="muted">no echo yet</p>
          ) : (
            <ol className="trace" id="process-trace">
              {d.trace.map((t, i) => (
                <li key={i}>{t}</li>
              ))}
            </ol>
          )}
        </Section>
      </div>
    </div>
  );
}
