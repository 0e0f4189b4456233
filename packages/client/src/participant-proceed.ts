import { WeftError, errorFromResponse } from './errors.js';
import { backoffDelay, retryAfterMs, sleep } from './backoff.js';
import type { RetryOptions } from './http-retry.js';

// Proceeds a workitem through its proceed_url (the URL carries its own token: no API key needed).
// A proceed is not idempotent — the second one answers 400 `workitem_id not found` — so a retry after a
// lost answer that gets exactly that answer means the first one got through.

export async function proceedWorkitem(
  proceedUrl: string,
  fields: Record<string, unknown>,
  opts: { retry?: RetryOptions; fetch?: (input: Request, init?: RequestInit) => Promise<Response> },
): Promise<void> {
  const retries = opts.retry?.retries ?? 4;
  const doFetch = opts.fetch ?? ((input: Request, init?: RequestInit) => globalThis.fetch(input, init));
  let inDoubt = false;
  for (let attempt = 0; ; attempt++) {
    let res: Response;
    try {
      res = await doFetch(new Request(proceedUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ fields }) }));
    } catch (err) {
      if (attempt >= retries) throw new WeftError({ status: 0, code: 'WEFT_CLIENT_NETWORK', message: `proceed: ${(err as Error).message}`, cause: err });
      inDoubt = true;
      await sleep(backoffDelay(attempt, opts.retry));
      continue;
    }
    const text = await res.text();
    if (res.ok) return;
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // text
    }
    const err = errorFromResponse(res.status, res.headers, body);
    if (inDoubt && res.status === 400 && err.message === 'workitem_id not found') return;
    if ((res.status === 503 || res.status === 429) && attempt < retries) {
      await sleep(Math.max(retryAfterMs(res.headers.get('retry-after')) ?? 0, backoffDelay(attempt, opts.retry)));
      continue;
    }
    throw err;
  }
}
