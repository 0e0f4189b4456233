import { defineError } from './errors.js';

// The Idempotency-Key header of the requests that create something (POST /tasks, POST /v1/workflows):
// the same request sent again answers what the first one created instead of creating it twice.

export const IdempotencyKeyInvalid = defineError('WEFT_IDEMPOTENCY_KEY_INVALID', 400, 'Idempotency-Key must be 1 to 255 visible ASCII characters');
export const IdempotencyKeyReused = defineError('WEFT_IDEMPOTENCY_KEY_REUSED', 422, 'Idempotency-Key was used for another request');

/** The header's value: absent, or 1 to 255 visible ASCII characters. */
export function readIdempotencyKey(raw: string | string[] | undefined): string | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string' || !/^[\x21-\x7e]{1,255}$/.test(raw)) throw IdempotencyKeyInvalid();
  return raw;
}
