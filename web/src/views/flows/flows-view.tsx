import { useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import type { ViewProps } from '../../app.js';
import { ApiError, messageOf } from '../../lib/api.js';
import { useApi, useEvents, useFlowEvents, usePoll } from '../../lib/hooks.js';
import { Link, navigate, useWsPath } from '../../lib/router.js';
import { Badge, ErrorLine, Section, Time, useNow } from '../../components/common.js';
import { FlowDiagram } from './flow-diagram.js';
import type { FlowInstance, FlowSchema } from './flow-types.js';
import { DefineFlowForm } from './define-flow-form.js';
import { readNewest } from './newest-page.js';

// Default 10 s: pushes (flow.defined on /ws/events, instances on /ws/flows) keep the view live; the poll covers a dropped socket.
const FALLBACK_MS = 10_000;
// Default 500: the newest instances listed; older ones are found by their full subject.
const SHOWN = 500;
// Default 1000 (the API's largest limit): instances read at once when looking for the newest.
const WINDOW = 1000;
// Default 1 s: the least time between two reloads of the instance list that pushed changes ask
// for (a busy flow pushes many; each reload reads up to 1000 instances).
const LIST_GAP_MS = 1000;
// Default 300 ms: the subject search asks the server once typing pauses.
const SEARCH_DEBOUNCE_MS = 300;

/** Flow schemas with their versions, a diagram of the chosen version, and its instances. */
export function FlowsView(props: ViewProps) {
  const api = useApi();
  const path = useWsPath();
  const flows = usePoll(() => api.get<{ flows: FlowSchema[] }>('/v1/flows').then((b) => b.flows), [api], FALLBACK_MS, { events: api });
  useEvents(api, (e) => e.event === 'flow.defined', flows.reload);
  const selected = props.params.flow;
  return (
    <div className="split sidebar">
      <Section title="Flows">
        <ErrorLine error={flows.error} />
        <ul className="list" id="flow-list">
          {(flows.data ?? []).map((f) => (
            <li key={f.identifier} className={f.identifier === selected ? 'selected' : undefined}>
              <Link to={path(`/flows/${encodeURIComponent(f.identifier)}`)}>
                {f.name || f.identifier} <span className="muted small">v{f.version}</span>
              </Link>
            </li>
          ))}
          {flows.data?.length === 0 && <li className="muted">no flows yet</li>}
        </ul>
      </Section>
      {selected ? <FlowDetail key={selected} identifier={selected} version={props.params.version} /> : <DefineFlowForm onDefined={(id) => navigate(path(`/flows/${encodeURIComponent(id)}`))} />}
    </div>
  );
}

function FlowDetail(props: { identifier: string; version?: string }) {
  const api = useApi();
  const path = useWsPath();
  const now = useNow();
  const id = encodeURIComponent(props.identifier);
  const latest = usePoll(() => api.get<FlowSchema>(`/v1/flows/${id}`), [api, id], FALLBACK_MS, { events: api });
  useEvents(api, (e) => e.event === 'flow.defined' && e.data.identifier === props.identifier, latest.reload);
  const shown = usePoll(() => (props.version ? api.get<FlowSchema>(`/v1/flows/${id}/versions/${props.version}`) : Promise.resolve(null)), [api, id, props.version], 0);
  const [subject, setSubject] = useState('');
  const [state, setState] = useState('');
  // The search asks the server once typing pauses.
  const [search, setSearch] = useState('');
  useEffect(() => {
    const t = setTimeout(() => setSearch(subject.trim()), SEARCH_DEBOUNCE_MS);
    return () => clearTimeout(t);
  }, [subject]);
  // The newest instances (in the chosen state), found from the end of the API's oldest-first list.
  const found = useRef(new Map<string, number>());
  const filter = `flow=${id}${state ? `&state=${state}` : ''}`;
  const instances = usePoll(
    async () => {
      const read = (offset: number, limit: number) => api.get<{ instances: FlowInstance[] }>(`/v1/flow-instances?${filter}&limit=${limit}&offset=${offset}`).then((b) => b.instances);
      const newest = await readNewest(read, SHOWN, WINDOW, found.current.get(filter) ?? 0);
      found.current.set(filter, newest.total);
      return { instances: newest.items.reverse(), total: newest.total };
    },
    [api, filter],
    FALLBACK_MS,
    { minGapMs: LIST_GAP_MS },
  );
  // A subject typed in full is asked for by name (`subject=` is exact), among all the instances.
  const exact = usePoll(
    async () => {
      if (!search) return null;
      const r = await api.request<{ instances: FlowInstance[] }>(`/v1/flow-instances?${filter}&subject=${encodeURIComponent(search)}&limit=${WINDOW}`, { raw: true });
      // 400: not a subject key (too long): no instance has it.
      if (r.status === 400) return [];
      if (r.status >= 300) throw new ApiError(r.status, messageOf(r.status, r.body, r.text), r.body);
      return r.body.instances;
    },
    [api, filter, search],
    FALLBACK_MS,
    { minGapMs: LIST_GAP_MS },
  );
  useFlowEvents(api, { flow: props.identifier }, () => {
    instances.reload();
    if (search) exact.reload();
  });
  const newest = instances.data;
  const cut = newest !== undefined && newest.total > newest.instances.length;
  const listed = useMemo(() => {
    if (!newest) return [];
    if (!search) return newest.instances;
    const lower = search.toLowerCase();
    const byId = new Map(newest.instances.filter((i) => i.subject.toLowerCase().includes(lower)).map((i) => [i.id, i]));
    for (const i of exact.data ?? []) if (!byId.has(i.id)) byId.set(i.id, i);
    return [...byId.values()].sort((a, b) => (a.created_at < b.created_at ? 1 : a.created_at > b.created_at ? -1 : 0));
  }, [newest, exact.data, search]);
  const schema = props.version ? shown.data : latest.data;
  const versions = latest.data ? Array.from({ length: latest.data.version }, (_, i) => String(latest.data!.version - i)) : [];
  // An address naming a version that does not exist keeps it selected beside the server's message.
  if (props.version && !versions.includes(props.version)) versions.unshift(props.version);

  return (
    <div>
      <Section
        title={
          <>
            {schema?.name || props.identifier} <span className="muted small">{props.identifier}</span>
          </>
        }
        actions={
          <label>
            version
            <select
              id="flow-version"
              value={props.version ?? ''}
              onChange={(e) => navigate(path(`/flows/${id}${e.target.value ? `/versions/${e.target.value}` : ''}`))}
            >
              <option value="">latest{latest.data ? ` (v${latest.data.version})` : ''}</option>
              {versions.map((v) => (
                <option key={v} value={v}>
                  v{v}
                </option>
              ))}
            </select>
          </label>
        }
      >
        <ErrorLine error={latest.error ?? shown.error} />
        {schema && (
          <>
            {schema.description && <p className="muted">{schema.description}</p>}
            <FlowDiagram steps={schema.steps} transitions={schema.transitions} />
            <table className="grid small" id="flow-transitions">
              <thead>
                <tr>
                  <th>transition</th>
                  <th>from → to</th>
                  <th>type</th>
                  <th>condition</th>
                </tr>
              </thead>
              <tbody>
                {schema.transitions.map((t, i) => (
                  <tr key={i}>
                    <td>{t.identifier}</td>
                    <td>
                      {t.from} → {t.to}
                    </td>
                    <td>{t.type ?? 'manual'}</td>
                    <td className="mono">{t.condition ?? ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        )}
      </Section>
      <Section title="Instances" actions={<StartInstanceForm flow={props.identifier} onStarted={(i) => navigate(path(`/flow-instances/${i.id}`))} />}>
        <ErrorLine error={instances.error ?? exact.error} />
        <div className="inline-form">
          <input type="search" aria-label="find subject" placeholder="find a subject" title="a full subject is found among all the instances; part of one among the newest listed" value={subject} onChange={(e) => setSubject(e.target.value)} />
          <select aria-label="instance state" value={state} onChange={(e) => setState(e.target.value)}>
            <option value="">any state</option>
            {['active', 'paused', 'completed', 'exited'].map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </div>
        <table className="grid" id="flow-instances">
          <thead>
            <tr>
              <th>subject</th>
              <th>state</th>
              <th>version</th>
              <th>active steps</th>
              <th>updated</th>
              <th>id</th>
            </tr>
          </thead>
          <tbody>
            {listed.map((i) => (
              <tr key={i.id} data-instance={i.id} className="clickable" onClick={() => navigate(path(`/flow-instances/${i.id}`))}>
                <td>{i.subject}</td>
                <td>
                  <Badge status={i.state} />
                </td>
                <td>v{i.version}</td>
                <td>{i.active_steps.join(', ')}</td>
                <td>
                  <Time at={i.updated_at} now={now} />
                </td>
                <td className="mono small">
                  <Link to={path(`/flow-instances/${i.id}`)}>{i.id}</Link>
                </td>
              </tr>
            ))}
            {newest && listed.length === 0 && (
              <tr>
                <td colSpan={6} className="muted">
                  no instances{search || state ? ' match' : ''}
                </td>
              </tr>
            )}
          </tbody>
        </table>
        {newest && cut && (
          <p className="muted small" id="instances-limit">
            {search
              ? `“${search}” as a full subject is looked for among all ${newest.total} instances${state ? ` (${state})` : ''}; as part of a subject only among the newest ${newest.instances.length}.`
              : `Showing the newest ${newest.instances.length} of ${newest.total} instances${state ? ` (${state})` : ''}; type a full subject to find an older one.`}
          </p>
        )}
      </Section>
    </div>
  );
}

function StartInstanceForm(props: { flow: string; onStarted(i: FlowInstance): void }) {
  const api = useApi();
  const [subject, setSubject] = useState('');
  const [error, setError] = useState<string | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      props.onStarted(await api.post<FlowInstance>('/v1/flow-instances', { flow: props.flow, subject }));
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };
  return (
    <form className="inline-form" id="start-instance" onSubmit={submit}>
      <input aria-label="subject" placeholder="subject key" value={subject} onChange={(e) => setSubject(e.target.value)} required />
      <button type="submit">Start</button>
      {error && <span className="error">{error}</span>}
    </form>
  );
}
