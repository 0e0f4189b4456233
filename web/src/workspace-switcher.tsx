import { useEffect, useState, type FormEvent } from 'react';
import { ApiError, listWorkspaces } from './lib/api.js';
import { WORKSPACE_PATTERN } from './lib/session.js';

const NEW = '\u0000new';

/** The key's workspaces (GET /v1/workspaces) plus a free-text name for a new one. */
export function WorkspaceSwitcher(props: { apiKey: string; workspace: string; onChange(ws: string): void; onForbidden(message: string): void }) {
  const [known, setKnown] = useState<string[]>([]);
  const [adding, setAdding] = useState(false);
  const [name, setName] = useState('');
  useEffect(() => {
    let live = true;
    listWorkspaces(props.apiKey).then(
      (ws) => live && setKnown(ws),
      // Only a refusal forgets the key: a server restarting answers nothing for a moment.
      (err) => live && err instanceof ApiError && err.status === 403 && props.onForbidden(err.message),
    );
    return () => {
      live = false;
    };
    // The list is read again when the workspace changes: using a new name creates it.
  }, [props.apiKey, props.workspace]); // eslint-disable-line react-hooks/exhaustive-deps
  const options = known.includes(props.workspace) ? known : [...known, props.workspace].sort();
  const add = (e: FormEvent) => {
    e.preventDefault();
    if (!WORKSPACE_PATTERN.test(name)) return;
    setAdding(false);
    setName('');
    props.onChange(name);
  };
  if (adding) {
    return (
      <form className="workspace-new" onSubmit={add}>
        {/* Browsers read pattern with the v flag: a literal - in a class must be escaped. */}
        <input
          aria-label="new workspace"
          placeholder="workspace name"
          pattern="[A-Za-z0-9_\-]+"
          maxLength={128}
          title="letters, digits, _ and -, at most 128"
          required
          autoFocus
          value={name}
          onChange={(e) => setName(e.target.value)}
        />
        <button type="submit">Open</button>
        <button type="button" className="link" onClick={() => setAdding(false)}>
          cancel
        </button>
      </form>
    );
  }
  return (
    <label className="workspace">
      workspace
      <select id="workspace" value={props.workspace} onChange={(e) => (e.target.value === NEW ? setAdding(true) : props.onChange(e.target.value))}>
        {options.map((w) => (
          <option key={w} value={w}>
            {w}
          </option>
        ))}
        <option value={NEW}>new workspace…</option>
      </select>
    </label>
  );
}
