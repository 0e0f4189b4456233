import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useApi, usePoll } from '../../lib/hooks.js';
import { ErrorLine } from '../../components/common.js';

/** GET /v1/task-types: the server's catalog; a task of any other type is refused. */
interface TaskType {
  type: string;
  max_seconds: number;
  runner: 'builtin' | 'worker';
}

export function CreateTaskForm(props: { onError(message: string | null): void; connected: boolean }) {
  const api = useApi();
  // The catalog is the server's configuration: read when the view opens, and again when the task
  // stream comes back after a drop (the server may have restarted with another WEFT_TASK_TYPES).
  const catalog = usePoll(() => api.get<{ types: TaskType[] }>('/v1/task-types').then((b) => b.types), [api], 0);
  const stream = useRef({ up: false, dropped: false });
  const { reload } = catalog;
  const failed = catalog.error !== null;
  useEffect(() => {
    if (!props.connected) {
      if (stream.current.up) stream.current.dropped = true;
      return;
    }
    if (stream.current.dropped || failed) reload();
    stream.current = { up: true, dropped: false };
  }, [props.connected]); // eslint-disable-line react-hooks/exhaustive-deps
  const [name, setName] = useState('');
  const [chosen, setChosen] = useState('');
  const [payload, setPayload] = useState('');
  const types = catalog.data ?? [];
  // Until one is picked: the first type weft runs itself, so a try from the page completes.
  const type = chosen || (types.find((t) => t.runner === 'builtin') ?? types[0])?.type || '';
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    props.onError(null);
    try {
      const body: Record<string, unknown> = { name, type };
      if (payload.trim()) body.payload = JSON.parse(payload);
      await api.post('/tasks', body);
      setName('');
    } catch (err) {
      props.onError(err instanceof SyntaxError ? `payload is not JSON: ${err.message}` : err instanceof Error ? err.message : String(err));
    }
  };
  return (
    <form className="inline-form" id="create-task" onSubmit={submit}>
      <input aria-label="task name" placeholder="name" value={name} onChange={(e) => setName(e.target.value)} required />
      <select aria-label="task type" value={type} onChange={(e) => setChosen(e.target.value)} required disabled={types.length === 0}>
        {types.map((t) => (
          <option key={t.type} value={t.type}>
            {t.type} ({t.runner === 'worker' ? 'external worker' : `built in, ≤ ${t.max_seconds} s`})
          </option>
        ))}
      </select>
      <input aria-label="payload" className="wide" placeholder='payload (JSON, optional) e.g. {"to": "ada@example.com"}' value={payload} onChange={(e) => setPayload(e.target.value)} />
      <button type="submit" disabled={!type}>
        Create task
      </button>
      <ErrorLine error={catalog.error} />
    </form>
  );
}
