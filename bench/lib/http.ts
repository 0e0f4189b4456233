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
  // Fastify's own 404 for an unknown route; a route's 404 carries its own message.
  return !/Route .* not found/.test(text);
}
