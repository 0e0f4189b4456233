import { useMemo } from 'react';
import type { ViewProps } from '../../app.js';
import { useAddressMessage, useApi, useTaskStream, type Task } from '../../lib/hooks.js';
import { NotFound } from '../not-found.js';
import { Link, navigate, useWsPath } from '../../lib/router.js';
import { Badge, ConfirmButton, ErrorLine, Section, TASK_STREAM_WAITING, Time, errorText, useNow } from '../../components/common.js';
import { CreateTaskForm } from './create-task-form.js';
import { TaskDetail } from './task-detail.js';

const STATUSES = ['queued', 'running', 'completed', 'failed'] as const;
// Default 500: rows drawn at once; the stream sends the whole list every second, and a filter narrows it.
const MAX_ROWS = 500;

// A task id as the API writes it; anything else in the address is not a task.
const TASK_ID = /^[0-9]{1,15}$/;

/** The workspace's tasks as /ws/tasks streams them, with filters, create, delete and flush. */
export function TasksView(props: ViewProps) {
  if (props.params.id !== undefined && !TASK_ID.test(props.params.id)) return <NotFound />;
  return <TasksTable {...props} />;
}

function TasksTable(props: ViewProps) {
  const api = useApi();
  const path = useWsPath();
  const now = useNow();
  const { tasks, connected } = useTaskStream(api);
  const status = props.location.query.get('status') ?? '';
  const type = props.location.query.get('type') ?? '';
  const [error, setError] = useAddressMessage<string>(props.location.path + props.location.query.toString());

  // The filter's own type stays an option when no listed task has it (else the select would show "all").
  const types = useMemo(() => [...new Set([...(tasks ?? []).map((t) => t.type), ...(type ? [type] : [])])].sort(), [tasks, type]);
  const matching = (tasks ?? []).filter((t) => (!status || t.status === status) && (!type || t.type === type));
  // Newest first: the stream lists by id.
  const shown = matching.slice(-MAX_ROWS).reverse();
  const selected = props.params.id ? Number(props.params.id) : null;
  // Opening or closing a task keeps the table's filters.
  const filters = props.location.query.toString() ? `?${props.location.query.toString()}` : '';

  // Filters live in the query so that a filtered table is a link too.
  const setFilter = (name: string, value: string) => {
    const q = new URLSearchParams(props.location.query);
    if (value) q.set(name, value);
    else q.delete(name);
    const qs = q.toString();
    navigate(`${path(selected ? `/tasks/${selected}` : '/tasks')}${qs ? '?' + qs : ''}`, { replace: true });
  };
  const act = async (fn: () => Promise<unknown>) => {
    setError(null);
    try {
      await fn();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };

  return (
    <div className="tasks-layout">
      <Section
        title={
          <>
            Tasks <span className={`live ${connected ? 'on' : 'off'}`} title={connected ? 'streaming /ws/tasks' : 'reconnecting'} />
          </>
        }
        actions={
          <>
            <label>
              status
              <select id="filter-status" value={status} onChange={(e) => setFilter('status', e.target.value)}>
                <option value="">all</option>
                {STATUSES.map((s) => (
                  <option key={s}>{s}</option>
                ))}
              </select>
            </label>
            <label>
              type
              <select id="filter-type" value={type} onChange={(e) => setFilter('type', e.target.value)}>
                <option value="">all</option>
                {types.map((t) => (
                  <option key={t}>{t}</option>
                ))}
              </select>
            </label>
            <ConfirmButton label="Flush" question="Remove every finished task from the list?" onConfirm={() => act(() => api.request('/tasks/flush', { method: 'POST' }))} />
          </>
        }
      >
        <ErrorLine error={error} />
        <CreateTaskForm onError={setError} connected={connected} />
        {tasks === null ? (
          <p className="muted" id="task-stream-waiting">{TASK_STREAM_WAITING}</p>
        ) : (
          <table className="grid" id="tasks-table">
            <thead>
              <tr>
                <th>id</th>
                <th>name</th>
                <th>type</th>
                <th>status</th>
                <th>attempts</th>
                <th>worker</th>
                <th>lease</th>
                <th>error</th>
                <th>created</th>
                <th>finished</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {shown.map((t) => (
                <TaskRow key={t.id} task={t} now={now} selected={t.id === selected} filters={filters} onDelete={() => act(() => api.del(`/tasks/${t.id}`))} />
              ))}
              {matching.length > shown.length && (
                <tr>
                  <td colSpan={11} className="muted">
                    showing the newest {shown.length} of {matching.length} tasks; filter to narrow
                  </td>
                </tr>
              )}
              {shown.length === 0 && (
                <tr>
                  <td colSpan={11} className="muted">
                    no tasks{status || type ? ' match the filter' : ''}
                  </td>
                </tr>
              )}
            </tbody>
          </table>
        )}
      </Section>
      {selected !== null && <TaskDetail id={selected} fromStream={tasks?.find((t) => t.id === selected)} filters={filters} />}
    </div>
  );
}

function TaskRow(props: { task: Task; now: number; selected: boolean; filters: string; onDelete(): void }) {
  const t = props.task;
  const path = useWsPath();
  return (
    <tr data-task-id={t.id} data-status={t.status} className={props.selected ? 'selected' : undefined}>
      <td>
        <Link to={path(`/tasks/${t.id}`) + props.filters}>{t.id}</Link>
      </td>
      <td>{t.name}</td>
      <td>{t.type}</td>
      <td>
        <Badge status={t.status} />
      </td>
      <td>
        {t.attempts}/{t.max_attempts}
      </td>
      <td className="mono">{t.worker ?? ''}</td>
      <td>{t.lease_expires_at ? <Time at={t.lease_expires_at} now={props.now} /> : ''}</td>
      <td className="error-cell" title={errorText(t.error)}>
        {errorText(t.error)}
      </td>
      <td>
        <Time at={t.created_at} now={props.now} />
      </td>
      <td>{t.finished_at ? <Time at={t.finished_at} now={props.now} /> : ''}</td>
      <td>
        {t.status === 'queued' && (
          <button type="button" className="small" onClick={props.onDelete} title="delete this queued task">
            delete
          </button>
        )}
      </td>
    </tr>
  );
}
