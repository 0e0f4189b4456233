// Exponential backoff with jitter between task attempts.
// delay(n) = base * 2^(n-1) * (0.5 + random): the jitter spreads retries of tasks that failed together.

export function backoffDelay(attempt: number, baseMs: number, random01: number): number {
  const exp = Math.min(attempt - 1, 30);
  return Math.round(baseMs * 2 ** exp * (0.5 + random01));
}

/** Retry while attempts remain; null means the task is failed for good. */
export function retryDecision(now: number, baseMs: number, random: () => number) {
  return (attempts: number, maxAttempts: number): { retryAt: number } | null =>
    attempts < maxAttempts ? { retryAt: now + backoffDelay(attempts, baseMs, random()) } : null;
}
