import { useEffect, useState } from 'react';
import type { ViewProps } from '../../app.js';
import { ApiError } from '../../lib/api.js';
import { useAddressMessage, useApi, useFlowEvents, usePoll } from '../../lib/hooks.js';
import { Link, useWsPath } from '../../lib/router.js';
import { Badge, ConfirmButton, ErrorLine, Json, Section, Time, useNow } from '../../components/common.js';
import { FlowDiagram } from './flow-diagram.js';
import type { FlowInstance, FlowSchema, HistoryEntry, TransitionNow } from './flow-types.js';

interface Loaded {
  instance: FlowInstance;
  schema: FlowSchema;
  history: HistoryEntry[];
}

// Default 300 ms: the offered transitions are asked for again once typing in the input pauses.
const INPUT_DEBOUNCE_MS = 300;

/** One subject's instance: the diagram coloured by step state, its history, and the manual transitions valid now. */
export function FlowInstanceView(props: ViewProps) {
  const api = useApi();
  const path = useWsPath();
  const now = useNow();
  const id = props.params.id;
  const [message, setMessage] = useAddressMessage<{ ok: boolean; text: string }>(props.location.path);
  const [input, setInput] = useState('');
  // Pushed changes reload at once; the slow poll only covers a dropped socket.
  const loaded = usePoll(
    async (): Promise<Loaded> => {
      const instance = await api.get<FlowInstance>(`/v1/flow-instances/${id}`);
      const [schema, { history }] = await Promise.all([
        api.get<FlowSchema>(`/v1/flows/${encodeURIComponent(instance.flow)}/versions/${instance.version}`),
        api.get<{ history: HistoryEntry[] }>(`/v1/flow-instances/${id}/history`),
      ]);
      return { instance, schema, history };
    },
    [api, id],
    5000,
  );
  // What the server says would fire now, given the input typed below (once it is JSON and typing pauses).
  const [inputJson, setInputJson] = useState<string | undefined>(undefined);
  useEffect(() => {
    const t = setTimeout(() => {
      try {
        setInputJson(input.trim() ? JSON.stringify(JSON.parse(input)) : undefined);
      } catch {
        // Not JSON (yet): the last valid input stands; firing says what is wrong.
      }
    }, INPUT_DEBOUNCE_MS);
    return () => clearTimeout(t);
  }, [input]);
  const offers = usePoll(
    async () => (await api.get<{ transitions: TransitionNow[] }>(`/v1/flow-instances/${id}/transitions${inputJson ? `?input=${encodeURIComponent(inputJson)}` : ''}`)).transitions,
    [api, id, inputJson],
    5000,
  );
  useFlowEvents(api, { flow_instance_id: id }, () => {
    loaded.reload();
    offers.reload();
  });

  const fire = async (t: TransitionNow) => {
    setMessage(null);
    let parsed: unknown;
    try {
      parsed = input.trim() ? JSON.parse(input) : undefined;
    } catch (err) {
      setMessage({ ok: false, text: `input is not JSON: ${(err as Error).message}` });
      return;
    }
    const r = await api.request<{ result: string; message?: string }>(`/v1/flow-instances/${id}/transitions`, {
      method: 'POST',
      json: { transition: t.identifier, step: t.from, input: parsed, request_id: `ui-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}` },
      raw: true,
    });
    setMessage(r.body?.result === 'success' ? { ok: true, text: `${t.identifier} fired` } : { ok: false, text: r.body?.message ?? `HTTP ${r.status}` });
    loaded.reload();
    offers.reload();
  };
  const act = async (action: 'pause' | 'resume' | 'exit') => {
    setMessage(null);
    try {
      await api.post(`/v1/flow-instances/${id}/${action}`);
      loaded.reload();
      offers.reload();
    } catch (err) {
      setMessage({ ok: false, text: err instanceof ApiError ? err.message : String(err) });
    }
  };

  const data = loaded.data;
  if (!data) return <ErrorLine error={loaded.error} />;
  const { instance, schema, history } = data;
  const offered = instance.state === 'active' ? (offers.data ?? []) : [];
  const buttons = offered.filter((t) => t.available);
  const notNow = offered.filter((t) => !t.available);

  return (
    <div className="split with-detail">
      <div>
        <Section
          title={
            <>
              <Link to={path(`/flows/${encodeURIComponent(instance.flow)}`)}>{schema.name || instance.flow}</Link> v{instance.version} for{' '}
              <span className="mono">{instance.subject}</span> <Badge status={instance.state} />
            </>
          }
          actions={
            <>
              {instance.state === 'active' && <button type="button" className="secondary" onClick={() => act('pause')}>Pause</button>}
              {instance.state === 'paused' && <button type="button" className="secondary" onClick={() => act('resume')}>Resume</button>}
              {(instance.state === 'active' || instance.state === 'paused') && <ConfirmButton label="Exit" question="Exit this instance?" onConfirm={() => act('exit')} />}
            </>
          }
        >
          <ErrorLine error={loaded.error} />
          <FlowDiagram steps={schema.steps} transitions={schema.transitions} states={instance.steps} />
        </Section>
        <Section title="Manual transitions valid now">
          <ErrorLine error={offers.error} />
          {offered.length === 0 ? (
            <p className="muted">none{instance.state !== 'active' ? ` — the instance is ${instance.state}` : ''}</p>
          ) : (
            <>
              {buttons.length === 0 && <p className="muted">none with this input</p>}
              <div className="transitions" id="manual-transitions">
                {buttons.map((t, i) => (
                  <button key={i} type="button" data-transition={t.identifier} data-from={t.from} onClick={() => fire(t)} title={t.condition ? `when ${t.condition}` : undefined}>
                    {t.identifier} <span className="small">({t.from} → {t.to})</span>
                  </button>
                ))}
              </div>
              {notNow.length > 0 && (
                <ul className="muted small" id="transitions-not-now">
                  {notNow.map((t, i) => (
                    <li key={i} data-transition={t.identifier} data-from={t.from}>
                      not now: {t.identifier} ({t.from} → {t.to}) — {t.reason}
                    </li>
                  ))}
                </ul>
              )}
              <label className="stack-form small">
                input (JSON, optional, for conditions on input)
                <input aria-label="transition input" value={input} onChange={(e) => setInput(e.target.value)} />
              </label>
            </>
          )}
          {message && (
            <p className={message.ok ? 'ok' : 'error'} role="status" id="transition-result">
              {message.text}
            </p>
          )}
        </Section>
      </div>
      <div>
        <Section title="History">
          {history.length === 0 ? (
            <p className="muted">no transitions yet</p>
          ) : (
            <ol className="timeline" id="flow-history">
              {history.map((h, i) => (
                <li key={i} className={h.type}>
                  <strong>{h.transition}</strong> <span className="muted">{h.type}</span>
                  <div>
                    {h.from} → {h.to}
                  </div>
                  <div className="muted small">
                    <Time at={h.at} now={now} />
                    {h.request_id ? ` · ${h.request_id}` : ''}
                  </div>
                </li>
              ))}
            </ol>
          )}
        </Section>
        <Section title="Instance">
          <dl className="facts">
            <dt>id</dt>
            <dd className="mono small">{instance.id}</dd>
            <dt>started</dt>
            <dd>
              <Time at={instance.created_at} now={now} />
            </dd>
            <dt>updated</dt>
            <dd>
              <Time at={instance.updated_at} now={now} />
            </dd>
            <dt>data</dt>
            <dd>
              <Json value={instance.data} />
            </dd>
          </dl>
        </Section>
      </div>
    </div>
  );
}
