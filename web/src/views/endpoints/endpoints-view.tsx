import { useRef, useState, type FormEvent } from 'react';
import type { ViewProps } from '../../app.js';
import { useApi, useEvents, usePoll } from '../../lib/hooks.js';
import { Link, navigate, useWsPath } from '../../lib/router.js';
import { ConfirmButton, ErrorLine, Json, LiveDot, Section, Time, useNow } from '../../components/common.js';
import { methodOf, type EndpointDefinition } from './endpoint-types.js';
import { SavedState } from './saved-state.js';
import { TryItForm } from './try-it-form.js';

// Default 10 s: the fallback poll; /ws/events reloads at once when an endpoint changes.
const FALLBACK_MS = 10_000;

/** Endpoint definitions: the list, one definition, its saved state and a try-it form. */
export function EndpointsView(props: ViewProps) {
  const api = useApi();
  const path = useWsPath();
  const list = usePoll(() => api.get<EndpointDefinition[]>('/endpoints'), [api], FALLBACK_MS, { events: api });
  const connected = useEvents(api, (e) => e.event === 'endpoint.changed', list.reload);
  const selected = props.params.id;
  return (
    <div className="split sidebar">
      <Section
        title={
          <>
            Endpoints <LiveDot connected={connected} />
          </>
        }
        actions={<Link to={path('/endpoints')}>new</Link>}>
        <ErrorLine error={list.error} />
        <ul className="list" id="endpoint-list">
          {(list.data ?? []).map((e) => (
            <li key={e._id} className={e._id === selected ? 'selected' : undefined} data-endpoint={e._id}>
              <Link to={path(`/endpoints/${e._id}`)}>
                <span className="mono small">{methodOf(e)}</span> {e.endpoint.pattern}
                <div className="muted small">{e.name}</div>
              </Link>
            </li>
          ))}
          {list.data?.length === 0 && <li className="muted">no endpoints yet</li>}
        </ul>
      </Section>
      {selected ? <EndpointDetail key={selected} id={selected} onDeleted={() => navigate(path('/endpoints'))} /> : <NewEndpointForm onCreated={(id) => navigate(path(`/endpoints/${id}`))} />}
    </div>
  );
}

function EndpointDetail(props: { id: string; onDeleted(): void }) {
  const api = useApi();
  const path = useWsPath();
  const now = useNow();
  // Set once the endpoint is being deleted from this page, or was found gone: it is not asked for again.
  const gone = useRef(false);
  const e = usePoll(
    async (): Promise<EndpointDefinition | null> => {
      if (gone.current) return null;
      // `?_id=` answers [] for an endpoint that is not there, where GET /endpoints/:id would answer 404.
      const [found] = await api.get<EndpointDefinition[]>(`/endpoints?_id=${encodeURIComponent(props.id)}`);
      if (!found) gone.current = true;
      return found ?? null;
    },
    [api, props.id],
    FALLBACK_MS,
    { events: api },
  );
  useEvents(api, (ev) => ev.event === 'endpoint.changed' && ev.data.id === props.id, e.reload);
  // Shown once: an endpoint that disappears later was deleted (elsewhere: this page navigates away).
  const seen = useRef(false);
  if (e.data) seen.current = true;
  const [error, setError] = useState<string | null>(null);
  if (e.data === null) {
    return (
      <Section title={<span className="mono small muted">{props.id}</span>}>
        <p className="error" role="status" id="endpoint-gone">
          {seen.current ? 'This endpoint was deleted: its definition and saved state are gone.' : 'There is no endpoint with this id in this workspace.'}
        </p>
        <Link to={path('/endpoints')}>back to the endpoints</Link>
      </Section>
    );
  }
  if (!e.data) return <ErrorLine error={e.error} />;
  const d = e.data;
  const remove = async () => {
    gone.current = true;
    try {
      await api.del(`/endpoints/${d._id}`);
      props.onDeleted();
    } catch (err) {
      gone.current = false;
      setError(err instanceof Error ? err.message : String(err));
    }
  };
  return (
    <div>
      <Section
        title={
          <>
            {d.name} <span className="mono small muted">{d._id}</span>
          </>
        }
        actions={<ConfirmButton label="Delete" question="Delete this endpoint and its state?" onConfirm={remove} className="secondary" />}
      >
        <ErrorLine error={error ?? e.error} />
        {d.description && <p className="muted">{d.description}</p>}
        <dl className="facts" id="endpoint-facts">
          <dt>route</dt>
          <dd className="mono">
            {methodOf(d)} {d.endpoint.pattern}
          </dd>
          <dt>formats</dt>
          <dd>
            {d.transformation?.input ?? '—'} → {d.transformation?.output ?? 'JSON'}
          </dd>
          <dt>access</dt>
          <dd>{d.public ? 'public (no key needed)' : 'API key'}</dd>
          <dt>lookups</dt>
          <dd>{(d.requests?.lookup ?? []).map((r) => r.id).join(', ') || '—'}</dd>
          <dt>responses</dt>
          <dd>{(d.requests?.response ?? []).map((r) => r.id).join(', ') || '—'}</dd>
          <dt>updated</dt>
          <dd>
            <Time at={d.updatedAt} now={now} />
          </dd>
        </dl>
      </Section>
      <div className="cards two">
        <Section title="Try it">
          <TryItForm endpoint={d} />
        </Section>
        <SavedState id={d._id} revision={d.updatedAt ?? ''} />
      </div>
      <Section title="Definition">
        <Json value={d} className="tall" />
      </Section>
    </div>
  );
}

const EXAMPLE = {
  name: 'hello',
  endpoint: { pattern: '/hello/:name', method: 'POST' },
  transformation: { input: 'JSON', output: 'JSON' },
  inputMapping: { 'requestBody.greeting': 'message.greeting' },
};

function NewEndpointForm(props: { onCreated(id: string): void }) {
  const api = useApi();
  const [text, setText] = useState(JSON.stringify(EXAMPLE, null, 2));
  const [error, setError] = useState<string | null>(null);
  const submit = async (ev: FormEvent) => {
    ev.preventDefault();
    setError(null);
    try {
      const created = await api.post<EndpointDefinition>('/endpoints', JSON.parse(text));
      props.onCreated(created._id);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };
  return (
    <Section title="New endpoint">
      <p className="muted">Pick an endpoint on the left, or post a definition (the OpenHIM mapping mediator's format; see docs/endpoints.md).</p>
      <form className="stack-form" onSubmit={submit}>
        <textarea aria-label="endpoint definition" rows={16} value={text} onChange={(ev) => setText(ev.target.value)} />
        <div>
          <button type="submit">Create endpoint</button>
        </div>
        <ErrorLine error={error} />
      </form>
    </Section>
  );
}
