import type { Task } from '../../lib/hooks.js';
import { useApi, usePoll } from '../../lib/hooks.js';
import { Link, useWsPath } from '../../lib/router.js';
import { Badge, ErrorLine, Json, Section, Time } from '../../components/common.js';

/** One task: from the stream while it is listed, else from GET /tasks/:id (polled). */
export function TaskDetail(props: { id: number; fromStream: Task | undefined }) {
  const api = useApi();
  const path = useWsPath();
  const polled = usePoll(async () => (props.fromStream ? null : (await api.get<{ task: Task }>(`/tasks/${props.id}`)).task), [props.id, !props.fromStream], props.fromStream ? 0 : 1000);
  const t = props.fromStream ?? polled.data ?? null;
  return (
    <Section title={`Task ${props.id}`} className="detail" actions={<Link to={path('/tasks')}>close</Link>}>
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
          <dd className="error-text">{t.error ?? '—'}</dd>
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
