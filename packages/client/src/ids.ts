// Ids made on the client: request ids (idempotency keys) and worker ids. WebCrypto's randomUUID exists in
// Node ≥ 19 and in browsers on secure origins; elsewhere Math.random is good enough for an idempotency key
// scoped to one instance.

export function newRequestId(): string {
  const c = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  if (c?.randomUUID) return c.randomUUID();
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}-${Math.random().toString(36).slice(2)}`;
}
