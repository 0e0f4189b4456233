import { useState, type FormEvent } from 'react';
import { ApiError } from '../../lib/api.js';
import { useApi } from '../../lib/hooks.js';
import { Section } from '../../components/common.js';

const EXAMPLE = {
  identifier: 'onboarding',
  name: 'Onboarding',
  steps: [{ identifier: 'welcome' }, { identifier: 'profile' }, { identifier: 'done' }],
  transitions: [
    { identifier: 'complete', from: 'welcome', to: 'profile' },
    { identifier: 'finish', from: 'profile', to: 'done', type: 'automatic', condition: '${subject.plan} == pro' },
  ],
};

/** POST /v1/flows with a schema written as JSON: a new flow, or the next version of one. */
export function DefineFlowForm(props: { onDefined(identifier: string): void }) {
  const api = useApi();
  const [text, setText] = useState(JSON.stringify(EXAMPLE, null, 2));
  const [errors, setErrors] = useState<string[]>([]);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setErrors([]);
    try {
      const created = await api.post<{ identifier: string }>('/v1/flows', JSON.parse(text));
      props.onDefined(created.identifier);
    } catch (err) {
      const list = err instanceof ApiError && Array.isArray((err.body as { errors?: unknown[] })?.errors) ? (err.body as { errors: unknown[] }).errors : [];
      setErrors([err instanceof Error ? err.message : String(err), ...list.map(problemText)]);
    }
  };
  return (
    <Section title="Define a flow">
      <p className="muted">Pick a flow on the left, or post a schema (posting an existing identifier adds a version).</p>
      <form className="stack-form" onSubmit={submit}>
        <textarea aria-label="flow schema" rows={16} value={text} onChange={(e) => setText(e.target.value)} />
        <div>
          <button type="submit">Save flow</button>
        </div>
        {errors.length > 0 && (
          <ul className="error" role="alert">
            {errors.map((m, i) => (
              <li key={i}>{m}</li>
            ))}
          </ul>
        )}
      </form>
    </Section>
  );
}

/** One problem of a refused schema as a line: its message, after the path it concerns when it names one. */
function problemText(x: unknown): string {
  if (typeof x === 'string') return x;
  const p = x as { message?: unknown; path?: unknown };
  if (p && typeof p.message === 'string') return typeof p.path === 'string' && p.path ? `${p.path}: ${p.message}` : p.message;
  return JSON.stringify(x);
}
