import { useRef } from 'react';
import type { Task } from '../../lib/hooks.js';
import { useApi, usePoll } from '../../lib/hooks.js';
import { ApiError } from '../../lib/api.js';
import { Link, useWsPath } from '../../lib/router.js';
import { Badge, ErrorLine, Json, Section, Time } from '../../components/common.js';

/** One task: from the stream while it is listed, else from GET /tasks/:id (polled). */
export function TaskDetail(props: { id: number; fromStream: Task | undefined; filters: string }) {
  const api = useApi();
  const path = useWsPath();
  // A task that is not there (deleted, flushed, never made) does not come back: asked once, not every second.
  const gone = useRef<{ id: number; err: ApiError } | null>(null);
  const polled = usePoll(
    async () => {
      if (props.fromStream) return null;
      if (gone.current?.id === props.id) throw gone.current.err;
      try {
        return (await api.get<{ task: Task }>(`/tasks/${props.id}`)).task;
      } catch (err) {
        if (err instanceof ApiError && err.status === 404) gone.current = { id: props.id, err };
        throw err;
      }
    },
    [props.id, !props.fromStream],
    props.fromStream ? 0 : 1000,
  );
  const t = props.fromStream ?? polled.data ?? null;
  return (
    <Section title={`Task ${props.id}`} className="detail" actions={<Link to={path('/tasks') + props.filters}>close</Link>}>
      <ErrorLine error={props.fromStream ? null : polled.error} />
      {t && (
        <dl className="facts" id="task-detail">
          <dt>name</dt>
          <dd>{t.name}</dd>
          <dt>type</dt>
          <dd>{t.type}</dd>
          <dt>status</dt>
          <dd>
            <Badge status={t.status} />
          </dd>
          <dt>attempts</dt>
          <dd>
            {t.attempts} of {t.max_attempts}
          </dd>
          <dt>worker</dt>
          <dd className="mono">{t.worker ?? '—'}</dd>
          <dt>lease expires</dt>
          <dd>
            <Time at={t.lease_expires_at} />
          </dd>
          <dt>run at</dt>
          <dd>
            <Time at={t.run_at} />
          </dd>
          <dt>created</dt>
          <dd>
            <Time at={t.created_at} />
          </dd>
          <dt>started</dt>
          <dd>
            <Time at={t.started_at} />
          </dd>
          <dt>finished</dt>
          <dd>
            <Time at={t.finished_at} />
          </dd>
          <dt>error</dt>
          <dd className="error-text">{t.error === null || t.error === undefined ? '—' : typeof t.error === 'string' ? t.error : <Json value={t.error} />}</dd>
          <dt>payload</dt>
          <dd>
            <Json value={t.payload} />
          </dd>
          <dt>result</dt>
          <dd>
            <Json value={t.result} />
          </dd>
        </dl>
      )}
    </Section>
  );
}
