import { useState, type FormEvent } from 'react';
import { useApi } from '../../lib/hooks.js';

// The server's default catalog (WEFT_TASK_TYPES); the API does not list the configured one yet.
const DEFAULT_TYPES = ['gx.tiny', 'gx.micro', 'gx.small', 'gx.medium', 'gx.large', 'gx.heavy'];

export function CreateTaskForm(props: { knownTypes: string[]; onError(message: string | null): void }) {
  const api = useApi();
  const [name, setName] = useState('');
  const [type, setType] = useState('gx.tiny');
  const [payload, setPayload] = useState('');
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
  const types = [...new Set([...DEFAULT_TYPES, ...props.knownTypes])];
  return (
    <form className="inline-form" id="create-task" onSubmit={submit}>
      <input aria-label="task name" placeholder="name" value={name} onChange={(e) => setName(e.target.value)} required />
      <input aria-label="task type" placeholder="type" list="task-types" value={type} onChange={(e) => setType(e.target.value)} required />
      <datalist id="task-types">
        {types.map((t) => (
          <option key={t} value={t} />
        ))}
      </datalist>
      <input aria-label="payload" className="wide" placeholder='payload (JSON, optional) e.g. {"to": "ada@example.com"}' value={payload} onChange={(e) => setPayload(e.target.value)} />
      <button type="submit">Create task</button>
    </form>
  );
}
