import { useMemo } from 'react';
import type { ViewProps } from '../../app.js';
import { useApi, useEvents, useFlowEvents, usePoll, useTaskStream } from '../../lib/hooks.js';
import type { WeftEvent } from '../../lib/events.js';
import { Link, useWsPath } from '../../lib/router.js';
import { Counts, ErrorLine, Section, TASK_STREAM_WAITING, Time, errorText, useNow } from '../../components/common.js';
import { ThroughputChart } from '../../components/throughput-chart.js';
import { createAttentionLoader, loadCounts, loadThroughput, MAX_FAILING } from './overview-data.js';
import { LIST_CAP } from '../processes/process-search.js';

// Default 10 s: the fallback poll; pushed events reload at once.
const FALLBACK_MS = 10_000;
// Default 1 s: the least time between two reloads of what needs attention that pushed changes ask
// for (two lists, and the processes in error that changed); counts and chart reload after 200 ms.
const ATTENTION_GAP_MS = 1000;

/** Counts per capability, throughput over the last hour, and what needs attention. */
export function OverviewView(_props: ViewProps) {
  const api = useApi();
  const path = useWsPath();
  const now = useNow(5000);
  const { tasks } = useTaskStream(api);
  const counts = usePoll(() => loadCounts(api), [api], FALLBACK_MS, { events: api });
  const throughput = usePoll(() => loadThroughput(api), [api], FALLBACK_MS, { events: api });
  const attentionLoader = useMemo(() => createAttentionLoader(api), [api]);
  const attention = usePoll(() => attentionLoader.load(), [attentionLoader], FALLBACK_MS, { events: api, minGapMs: ATTENTION_GAP_MS });
  const flows = usePoll(() => api.get<{ flows: Array<{ identifier: string }> }>('/v1/flows').then((b) => b.flows.map((f) => f.identifier)), [api], FALLBACK_MS, { events: api });

  useEvents(api, (e) => e.event !== 'endpoint.served', counts.reload);
  useEvents(api, (e) => e.event === 'task.changed' || e.event === 'flow.transition', throughput.reload);
  // An event names its process: only that one is read in full again.
  const processEvent = (e: WeftEvent) => {
    if (e.event !== 'process.changed' && e.event !== 'callback.failed' && e.event !== 'callback.retrying') return false;
    attentionLoader.changed(e.data.wfid);
    return true;
  };
  useEvents(api, processEvent, (openedAt) => {
    // Reopened after a drop: what changed meanwhile is unknown.
    if (openedAt !== undefined) attentionLoader.forget();
    attention.reload(openedAt);
  });
  // The flows list changes with flow.defined only.
  useEvents(api, (e) => e.event === 'flow.defined', flows.reload);
  // A flow instance started, paused or exited fires no transition: the flows' own streams say so.
  const topics = useMemo(() => (flows.data ?? []).map((flow) => ({ flow })), [flows.data]);
  useFlowEvents(api, topics, () => counts.reload());

  const chart = useMemo(() => {
    const t = throughput.data;
    return {
      minutes: t?.minutes ?? [],
      series: [
        { label: 'tasks completed', color: '#2f7d4f', values: t?.tasksCompleted ?? [] },
        { label: 'transitions fired', color: '#3867d6', values: t?.transitionsFired ?? [] },
      ],
    };
  }, [throughput.data]);

  const c = counts.data;
  const failedTasks = (tasks ?? []).filter((t) => t.status === 'failed' || (t.status === 'queued' && t.error));

  return (
    <div className="overview">
      <div className="cards" id="counts">
        <Section title={<Link to={path('/tasks')}>Tasks</Link>}>
          {c ? <Counts counts={c.tasks} order={['queued', 'running', 'completed', 'failed']} /> : <p className="muted">{counts.error ?? 'loading…'}</p>}
        </Section>
        <Section title={<Link to={path('/flows')}>Flow instances</Link>}>
          {c ? <Counts counts={c.flow_instances} order={['active', 'paused', 'completed', 'exited']} /> : <p className="muted">{counts.error ?? 'loading…'}</p>}
        </Section>
        <Section title={<Link to={path('/processes')}>Processes</Link>}>
          {c ? <Counts counts={c.processes} order={['running', 'completed', 'cancelled', 'error']} /> : <p className="muted">{counts.error ?? 'loading…'}</p>}
        </Section>
        <Section title={<Link to={path('/endpoints')}>Endpoints</Link>}>
          {c ? (
            <ul className="counts">
              <li data-status="defined">
                <strong>{c.endpoints}</strong> defined
              </li>
            </ul>
          ) : (
            <p className="muted">{counts.error ?? 'loading…'}</p>
          )}
        </Section>
      </div>
      <Section title="Throughput, last hour">
        <ErrorLine error={throughput.error} />
        {throughput.data ? (
          <>
            <ThroughputChart minutes={chart.minutes} series={chart.series} />
            <p className="muted small" id="throughput-totals">
              In the last hour:{' '}
              {chart.series.map((s, i) => (
                <span key={s.label}>
                  {i > 0 && ' · '}
                  <strong data-series={s.label}>{s.values.reduce((n, v) => n + v, 0)}</strong> {s.label}
                </span>
              ))}
            </p>
          </>
        ) : (
          !throughput.error && <p className="muted">loading…</p>
        )}
      </Section>
      <div className="cards two">
        <Section title="Failed tasks">
          {tasks === null ? (
            <p className="muted">{TASK_STREAM_WAITING}</p>
          ) : failedTasks.length === 0 ? (
            <p className="muted">none</p>
          ) : (
            <ul className="attention" id="failed-tasks">
              {failedTasks.slice(0, 20).map((t) => (
                <li key={t.id}>
                  <Link to={path(`/tasks/${t.id}`)}>
                    #{t.id} {t.name}
                  </Link>{' '}
                  <span className="muted">{t.type}</span> <span className="error-text">{errorText(t.error)}</span> <Time at={t.finished_at ?? t.run_at} now={now} />
                </li>
              ))}
            </ul>
          )}
        </Section>
        <Section title="Failing callbacks and process errors">
          {!attention.data || attention.data.items.length === 0 ? (
            <p className="muted">{attention.error ?? (attention.data ? 'none' : 'loading…')}</p>
          ) : (
            <ul className="attention" id="failing-callbacks">
              {attention.data.items.map((a) => (
                <li key={a.key}>
                  <Link to={path(`/processes/${a.wfid}`)}>{a.wfid}</Link> <span className="muted">{a.what}</span> <span className="error-text">{a.message}</span>
                </li>
              ))}
            </ul>
          )}
          {attention.data && (attention.data.errored > attention.data.erroredShown || attention.data.failingCapped) && (
            <p className="muted small" id="attention-limit">
              {attention.data.failingCapped && `The ${MAX_FAILING} failing deliveries retried soonest. `}
              {attention.data.errored > attention.data.erroredShown && (
                <>
                  The errors of the newest {attention.data.erroredShown} of {attention.data.errored >= LIST_CAP ? `${LIST_CAP} or more` : attention.data.errored} processes in error:{' '}
                  <Link to={path('/processes?status=error')}>see them all</Link>.
                </>
              )}
            </p>
          )}
        </Section>
      </div>
    </div>
  );
}
