import { useState, type FormEvent } from 'react';
import { useApi } from '../../lib/hooks.js';
import { ErrorLine } from '../../components/common.js';
import { contentTypeFor, fillPattern, methodOf, patternParams, type EndpointDefinition } from './endpoint-types.js';

interface Answer {
  status: number;
  contentType: string;
  body: string;
  ms: number;
}

function pretty(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

/** Calls the endpoint at /w/<workspace><pattern> as a client would, and shows what it answered. */
export function TryItForm(props: { endpoint: EndpointDefinition }) {
  const api = useApi();
  const e = props.endpoint;
  const method = methodOf(e);
  const params = patternParams(e.endpoint.pattern);
  const hasBody = method === 'POST' || method === 'PUT';
  const [values, setValues] = useState<Record<string, string>>({});
  const [query, setQuery] = useState('');
  const [body, setBody] = useState(hasBody ? (e.transformation?.input ?? 'JSON').toUpperCase() === 'XML' ? '<request></request>' : '{}' : '');
  const [withKey, setWithKey] = useState(true);
  const [answer, setAnswer] = useState<Answer | null>(null);
  const [error, setError] = useState<string | null>(null);
  const path = `/w/${encodeURIComponent(api.workspace)}${fillPattern(e.endpoint.pattern, values)}${query.trim() ? `?${query.trim().replace(/^\?/, '')}` : ''}`;

  const submit = async (ev: FormEvent) => {
    ev.preventDefault();
    setError(null);
    setAnswer(null);
    const t0 = performance.now();
    try {
      const r = await api.request(path, {
        method,
        raw: true,
        anonymous: !withKey,
        headers: hasBody ? { 'content-type': contentTypeFor(e.transformation?.input), accept: '*/*' } : { accept: '*/*' },
        body: hasBody ? body : undefined,
      });
      setAnswer({ status: r.status, contentType: r.headers.get('content-type') ?? '', body: r.text, ms: Math.round(performance.now() - t0) });
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };

  return (
    <form className="stack-form" id="try-it" onSubmit={submit}>
      <div className="mono">
        <strong>{method}</strong> {path}
      </div>
      {params.map((p) => (
        <label key={p}>
          {p}
          <input aria-label={`param ${p}`} value={values[p] ?? ''} onChange={(ev) => setValues({ ...values, [p]: ev.target.value })} required />
        </label>
      ))}
      <label>
        query string
        <input aria-label="query string" placeholder="a=1&b=2" value={query} onChange={(ev) => setQuery(ev.target.value)} />
      </label>
      {hasBody && (
        <label>
          body ({contentTypeFor(e.transformation?.input)})
          <textarea aria-label="request body" rows={6} value={body} onChange={(ev) => setBody(ev.target.value)} />
        </label>
      )}
      <label className="check">
        <input type="checkbox" checked={withKey} onChange={(ev) => setWithKey(ev.target.checked)} /> send the API key
      </label>
      <div>
        <button type="submit">Send</button>
      </div>
      <ErrorLine error={error} />
      {answer && (
        <div className="response-box" id="try-it-response" data-status={answer.status}>
          <div>
            <span className={`badge ${answer.status < 400 ? 'status-completed' : 'status-failed'}`}>{answer.status}</span> <span className="muted small">{answer.contentType} · {answer.ms} ms</span>
          </div>
          <pre className="json">{pretty(answer.body)}</pre>
        </div>
      )}
    </form>
  );
}
