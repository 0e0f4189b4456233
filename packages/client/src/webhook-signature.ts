// Standard Webhooks (standardwebhooks.com) verification with WebCrypto, so it runs in Node ≥ 20 and in
// browsers/edge runtimes alike: the secret is `whsec_` + base64 of the key; the signed content is
// `<webhook-id>.<webhook-timestamp>.<raw body>`; `webhook-signature` lists `v1,<base64 HMAC-SHA256>` entries.

interface Subtle {
  importKey(format: 'raw', key: Uint8Array, alg: { name: 'HMAC'; hash: 'SHA-256' }, extractable: boolean, usages: string[]): Promise<unknown>;
  sign(alg: 'HMAC', key: unknown, data: Uint8Array): Promise<ArrayBuffer>;
}

function subtle(): Subtle {
  const s = (globalThis as { crypto?: { subtle?: Subtle } }).crypto?.subtle;
  if (!s) throw new Error('WebCrypto (globalThis.crypto.subtle) is needed to verify webhook signatures');
  return s;
}

function fromBase64(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function toBase64(bytes: Uint8Array): string {
  let bin = '';
  for (let i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]);
  return btoa(bin);
}

/** Constant time for equal lengths: the comparison does not stop at the first difference. */
function safeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

export type SignatureCheck = { ok: true } | { ok: false; reason: string };

export interface SignedHeaders {
  id: string | undefined;
  timestamp: string | undefined;
  signature: string | undefined;
}

/** A verifier for one secret (the key is imported once). */
export function createWebhookVerifier(secret: string, toleranceSeconds = 300) {
  let keyData: Uint8Array;
  try {
    keyData = fromBase64(secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret);
  } catch {
    throw new TypeError('the webhook secret must be whsec_ followed by base64');
  }
  let key: Promise<unknown> | null = null;
  const encoder = new TextEncoder();

  async function sign(id: string, timestamp: string, body: Uint8Array): Promise<string> {
    key ??= subtle().importKey('raw', keyData, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    const prefix = encoder.encode(`${id}.${timestamp}.`);
    const content = new Uint8Array(prefix.length + body.length);
    content.set(prefix, 0);
    content.set(body, prefix.length);
    return toBase64(new Uint8Array(await subtle().sign('HMAC', await key, content)));
  }

  return {
    sign,
    async verify(h: SignedHeaders, body: Uint8Array, nowMs = Date.now()): Promise<SignatureCheck> {
      if (!h.id || !h.timestamp || !h.signature) return { ok: false, reason: 'missing webhook-id, webhook-timestamp or webhook-signature' };
      const ts = Number(h.timestamp);
      if (!Number.isInteger(ts)) return { ok: false, reason: 'webhook-timestamp is not a number of seconds' };
      if (Math.abs(nowMs / 1000 - ts) > toleranceSeconds) return { ok: false, reason: 'webhook-timestamp is outside the tolerance' };
      const expected = await sign(h.id, h.timestamp, body);
      const match = h.signature.split(' ').some((s) => s.startsWith('v1,') && safeEqual(s.slice(3), expected));
      return match ? { ok: true } : { ok: false, reason: 'no matching signature' };
    },
  };
}
