import { authHeaders } from './weft-process.js';

/** A JSON request to weft with the bench key; throws unless the status is the expected one. */
export async function api<T = any>(base: string, method: string, path: string, body?: unknown, expect: number[] = [200, 201]): Promise<T> {
  const res = await fetch(base + path, { method, headers: authHeaders, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  if (!expect.includes(res.status)) throw new Error(`${method} ${path} → ${res.status} ${text.slice(0, 500)}`);
  return (text ? JSON.parse(text) : null) as T;
}

/** Whether a route exists yet (anything but a 404 from the router). */
export async function routeExists(base: string, method: string, path: string, body?: unknown): Promise<boolean> {
  const res = await fetch(base + path, { method, headers: authHeaders, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  if (res.status !== 404) return true;
  // An unknown route: Fastify's or weft's "route GET /x not found", or the endpoints fallback's
  // "Unknown Endpoint: /x". A route's own 404 carries another message.
  return !/route .* not found|Unknown Endpoint/i.test(text);
}
