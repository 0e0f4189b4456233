import { useState, type FormEvent } from 'react';
import { listWorkspaces } from './lib/api.js';

/** Asks for the API key once; checks it against GET /v1/workspaces and shows the server's refusal. */
export function KeyEntry(props: { onKey(key: string): void; error?: string | null }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | null>(props.error ?? null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await listWorkspaces(key.trim());
      props.onKey(key.trim());
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main className="key-entry">
      <form onSubmit={submit} className="card">
        <h1>weft</h1>
        <p>Paste the API key that <code>weft serve</code> printed (or one from <code>WEFT_API_KEYS</code>).</p>
        <label>
          API key
          <input id="api-key" type="password" autoFocus autoComplete="off" value={key} onChange={(e) => setKey(e.target.value)} required />
        </label>
        <button type="submit" disabled={busy || key.trim() === ''}>
          Open dashboard
        </button>
        {error && (
          <p className="error" role="alert" id="key-error">
            {error}
          </p>
        )}
      </form>
    </main>
  );
}
