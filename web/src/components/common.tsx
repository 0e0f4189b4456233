import { useEffect, useState, type ReactNode } from 'react';

export function Badge(props: { status: string; title?: string }) {
  return (
    <span className={`badge status-${props.status}`} title={props.title}>
      {props.status}
    </span>
  );
}

export function Json(props: { value: unknown; className?: string }) {
  if (props.value === undefined) return null;
  return <pre className={`json ${props.className ?? ''}`}>{JSON.stringify(props.value, null, 2)}</pre>;
}

/**
 * An error a task or a worker reported, as one line: a string as it is, an object by its `message`
 * (weft's own are {"message": "lease expired"}), anything else as JSON. Workers may fail a task
 * with any JSON value.
 */
export function errorText(e: unknown): string {
  if (e === null || e === undefined) return '';
  if (typeof e === 'string') return e;
  const message = typeof e === 'object' && !Array.isArray(e) ? (e as { message?: unknown }).message : undefined;
  return typeof message === 'string' ? message : JSON.stringify(e);
}

/** While /ws/tasks is not open: the browser cannot see why an upgrade failed, so say the likely reasons. */
export const TASK_STREAM_WAITING =
  'connecting to the task stream… If this lasts, the server may be refusing it: by default a key streams at most 4 workspaces at once and a workspace has at most 10 streams (close other tabs).';

export function ErrorLine(props: { error: string | null | undefined }) {
  if (!props.error) return null;
  return (
    <p className="error" role="alert">
      {props.error}
    </p>
  );
}

/** Re-renders every second so that relative times stay true. */
export function useNow(everyMs = 1000): number {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(t);
  }, [everyMs]);
  return now;
}

export function ago(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return '—';
  // `now` may be a view's last tick, older than data that arrived since: never before the clock.
  const s = Math.round((Math.max(now, Date.now()) - Date.parse(iso)) / 1000);
  const abs = Math.abs(s);
  const text = abs < 60 ? `${abs}s` : abs < 3600 ? `${Math.floor(abs / 60)}m ${abs % 60}s` : abs < 86400 ? `${Math.floor(abs / 3600)}h ${Math.floor((abs % 3600) / 60)}m` : `${Math.floor(abs / 86400)}d`;
  return s >= 0 ? `${text} ago` : `in ${text}`;
}

export function Time(props: { at: string | null | undefined; now?: number }) {
  if (!props.at) return <span className="muted">—</span>;
  return (
    <time dateTime={props.at} title={props.at}>
      {ago(props.at, props.now)}
    </time>
  );
}

/** A button that asks before it acts: the first click arms it, "yes" runs the action. */
export function ConfirmButton(props: { label: string; question: string; onConfirm(): Promise<void> | void; className?: string; disabled?: boolean }) {
  const [armed, setArmed] = useState(false);
  const [busy, setBusy] = useState(false);
  if (!armed) {
    return (
      <button type="button" className={props.className} disabled={props.disabled} onClick={() => setArmed(true)}>
        {props.label}
      </button>
    );
  }
  return (
    <span className="confirm" role="group" aria-label={props.question}>
      {props.question}{' '}
      <button
        type="button"
        className="danger"
        disabled={busy}
        onClick={async () => {
          setBusy(true);
          try {
            await props.onConfirm();
          } finally {
            setBusy(false);
            setArmed(false);
          }
        }}
      >
        yes, {props.label.toLowerCase()}
      </button>{' '}
      <button type="button" className="link" onClick={() => setArmed(false)}>
        no
      </button>
    </span>
  );
}

export function Section(props: { title: ReactNode; children: ReactNode; actions?: ReactNode; className?: string }) {
  return (
    <section className={`panel ${props.className ?? ''}`}>
      <header>
        <h2>{props.title}</h2>
        {props.actions && <div className="actions">{props.actions}</div>}
      </header>
      {props.children}
    </section>
  );
}

/** Green while the view's push socket is open, red while it reconnects. */
export function LiveDot(props: { connected: boolean }) {
  return <span className={`live ${props.connected ? 'on' : 'off'}`} title={props.connected ? 'live: changes are pushed' : 'reconnecting'} />;
}

/** Counts in `order` (zero when absent), then any other status the server counted. */
export function Counts(props: { counts: Record<string, number>; order: string[] }) {
  const statuses = [...props.order, ...Object.keys(props.counts).filter((s) => !props.order.includes(s)).sort()];
  return (
    <ul className="counts">
      {statuses.map((s) => (
        <li key={s} className={`status-${s}${props.counts[s] ? ' nonzero' : ''}`} data-status={s}>
          <strong>{props.counts[s] ?? 0}</strong> {s}
        </li>
      ))}
    </ul>
  );
}
