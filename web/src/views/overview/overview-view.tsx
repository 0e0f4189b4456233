import { useMemo } from 'react';
import type { ViewProps } from '../../app.js';
import { useApi, usePoll, useTaskStream } from '../../lib/hooks.js';
import { Link, useWsPath } from '../../lib/router.js';
import { countBy, Counts, Section, Time, useNow } from '../../components/common.js';
import { perMinute, ThroughputChart } from '../../components/throughput-chart.js';
import { loadEndpointCount, loadFlowCounts, loadProcessAttention, loadProcessCounts, loadTransitionTimes } from './overview-data.js';

/** Counts per capability, throughput over the last hour, and what needs attention. */
export function OverviewView(_props: ViewProps) {
  const api = useApi();
  const path = useWsPath();
  const now = useNow(5000);
  const { tasks } = useTaskStream(api);
  // Counts are one request each, every second; the histories and process details behind the chart
  // and the attention list are many requests, so they refresh less often.
  const flows = usePoll(() => loadFlowCounts(api), [api], 1000);
  const transitions = usePoll(() => loadTransitionTimes(api), [api], 5000);
  const processes = usePoll(() => loadProcessCounts(api), [api], 1000);
  const attention = usePoll(() => loadProcessAttention(api), [api], 3000);
  const endpoints = usePoll(() => loadEndpointCount(api), [api], 5000);

  const chart = useMemo(() => {
    const done = perMinute((tasks ?? []).filter((t) => t.status === 'completed').map((t) => t.finished_at), now);
    const fired = perMinute(transitions.data ?? [], now);
    return {
      minutes: done.minutes,
      series: [
        { label: 'tasks completed', color: '#2f7d4f', values: done.values },
        { label: 'transitions fired', color: '#3867d6', values: fired.values },
      ],
    };
  }, [tasks, transitions.data, now]);

  const failedTasks = (tasks ?? []).filter((t) => t.status === 'failed' || (t.status === 'queued' && t.error));

  return (
    <div className="overview">
      <div className="cards">
        <Section title={<Link to={path('/tasks')}>Tasks</Link>}>
          {tasks ? <Counts counts={countBy(tasks, (t) => t.status)} order={['queued', 'running', 'completed', 'failed']} /> : <p className="muted">connecting…</p>}
        </Section>
        <Section title={<Link to={path('/flows')}>Flow instances</Link>}>
          {flows.data ? <Counts counts={flows.data} order={['active', 'paused', 'completed', 'exited']} /> : <p className="muted">{flows.error ?? 'loading…'}</p>}
        </Section>
        <Section title={<Link to={path('/processes')}>Processes</Link>}>
          {processes.data ? <Counts counts={processes.data} order={['running', 'completed', 'cancelled', 'error']} /> : <p className="muted">{processes.error ?? 'loading…'}</p>}
        </Section>
        <Section title={<Link to={path('/endpoints')}>Endpoints</Link>}>
          {endpoints.data !== undefined ? (
            <ul className="counts">
              <li>
                <strong>{endpoints.data ?? '—'}</strong> defined
              </li>
            </ul>
          ) : (
            <p className="muted">{endpoints.error ?? 'loading…'}</p>
          )}
        </Section>
      </div>
      <Section title="Throughput, last hour">
        <ThroughputChart minutes={chart.minutes} series={chart.series} />
        <p className="muted small">
          Tasks completed are counted from the task list (flushed tasks drop out); transitions from the history of flow instances that changed in the last hour.
        </p>
      </Section>
      <div className="cards two">
        <Section title="Failed tasks">
          {failedTasks.length === 0 ? (
            <p className="muted">none</p>
          ) : (
            <ul className="attention" id="failed-tasks">
              {failedTasks.slice(0, 20).map((t) => (
                <li key={t.id}>
                  <Link to={path(`/tasks/${t.id}`)}>
                    #{t.id} {t.name}
                  </Link>{' '}
                  <span className="muted">{t.type}</span> <span className="error-text">{t.error}</span> <Time at={t.finished_at ?? t.run_at} now={now} />
                </li>
              ))}
            </ul>
          )}
        </Section>
        <Section title="Failing callbacks and process errors">
          {!attention.data || attention.data.length === 0 ? (
            <p className="muted">{attention.error ?? (attention.data ? 'none' : 'loading…')}</p>
          ) : (
            <ul className="attention" id="failing-callbacks">
              {attention.data.map((a) => (
                <li key={a.key}>
                  <Link to={path(`/processes/${a.wfid}`)}>{a.wfid}</Link> <span className="muted">{a.what}</span> <span className="error-text">{a.message}</span>
                </li>
              ))}
            </ul>
          )}
        </Section>
      </div>
    </div>
  );
}
