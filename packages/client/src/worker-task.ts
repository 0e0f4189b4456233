import type { ClaimedTask } from './api-types.js';

// Default 30 s, the server's default lease, when a claimed task does not show its own.
const DEFAULT_LEASE_MS = 30_000;

/** The lease a claim grants, from the server's own clock (expiry − claim time), so clock skew does not matter. */
export function leaseMsOf(task: Pick<ClaimedTask, 'lease_expires_at' | 'started_at'>): number {
  const expires = task.lease_expires_at ? Date.parse(task.lease_expires_at) : NaN;
  const started = task.started_at ? Date.parse(task.started_at) : NaN;
  const ms = expires - started;
  return Number.isFinite(ms) && ms > 0 ? ms : DEFAULT_LEASE_MS;
}

/** A thrown value as the task's `error`: message, name and stack, plus any JSON `data` it carries. */
export function describeError(err: unknown): Record<string, unknown> {
  if (err instanceof Error) {
    const out: Record<string, unknown> = { message: err.message, name: err.name };
    if (err.stack) out.stack = err.stack;
    const data = (err as { data?: unknown }).data;
    if (data !== undefined) out.data = data;
    return out;
  }
  return { message: typeof err === 'string' ? err : JSON.stringify(err) ?? String(err) };
}

/** Throw this (or any error with `retryable: false`) to fail a task at once, without further attempts. */
export class NonRetryableError extends Error {
  override readonly name = 'NonRetryableError';
  readonly retryable = false as const;
  constructor(message: string, readonly data?: unknown) {
    super(message);
  }
}
