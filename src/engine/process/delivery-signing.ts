import { createHmac } from 'node:crypto';

// Standard Webhooks (standardwebhooks.com): the secret is `whsec_` + base64 of the key; the signed
// content is `<webhook-id>.<webhook-timestamp>.<body>`; the header is `v1,<base64 HMAC-SHA256>`.

export function webhookKey(secret: string): Buffer {
  return Buffer.from(secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret, 'base64');
}

export function signWebhook(key: Buffer, id: string, timestamp: number, body: string): string {
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

export interface WebhookHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature'?: string;
}

/** The Standard Webhooks headers of one attempt; the timestamp (seconds) is the attempt's. */
export function webhookHeaders(key: Buffer | null, id: string, nowMs: number, body: string): WebhookHeaders {
  const timestamp = Math.floor(nowMs / 1000);
  const headers: WebhookHeaders = { 'webhook-id': id, 'webhook-timestamp': String(timestamp) };
  if (key) headers['webhook-signature'] = signWebhook(key, id, timestamp, body);
  return headers;
}
