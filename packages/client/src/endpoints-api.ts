import { errorFromResponse } from './errors.js';
import type { Transport } from './rest-client.js';
import type { BodyOf, ResponseOf } from './api-types.js';

export type EndpointInput = BodyOf<'/endpoints', 'post'>;
export type Endpoint = ResponseOf<'/endpoints/{id}', 'get', 200> & { _id: string; name: string; createdAt: string; updatedAt: string };

export interface EndpointCallOptions {
  /** Default GET. */
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  query?: Record<string, string>;
  /** JSON (an object) or raw text (XML). */
  body?: unknown;
  headers?: Record<string, string>;
}

export interface EndpointResponse<T = unknown> {
  status: number;
  headers: Headers;
  /** Parsed JSON when the answer is JSON, else its text (XML). */
  body: T;
}

export interface EndpointsApi {
  create(definition: EndpointInput): Promise<Endpoint>;
  /** Filters on fields, as the mediator: `{ name: 'x' }`, `{ 'endpoint.pattern': '/a' }`. */
  list(filter?: Record<string, string | string[]>): Promise<Endpoint[]>;
  get(id: string): Promise<Endpoint>;
  /** The given top-level fields replace the stored ones. */
  update(id: string, fields: Partial<EndpointInput>): Promise<Endpoint>;
  delete(id: string): Promise<{ message: string }>;
  /** The endpoint's saved state records, newest first (default 20, at most 100). */
  state(id: string, limit?: number): Promise<{ created_at: string; record: unknown }[]>;
  /** How long the server has run. */
  uptime(): Promise<{ milliseconds: number }>;
  /** Calls an endpoint of this workspace at its pattern's path (served at /w/<workspace><path>). */
  call<T = unknown>(path: string, opts?: EndpointCallOptions): Promise<EndpointResponse<T>>;
}

export function createEndpointsApi(t: Transport): EndpointsApi {
  const { raw, unwrap, policy, options } = t;
  const path = (id: string) => ({ path: { id } });
  return {
    create: (definition) => unwrap<Endpoint>(raw.POST('/endpoints', { body: definition, ...policy(false) })),
    // The route documents no query parameters (they are the definition's own fields).
    list: (filter = {}) => unwrap<Endpoint[]>(raw.GET('/endpoints', { params: { query: filter as never }, querySerializer: { array: { style: 'form', explode: true } }, ...policy(true) })),
    get: (id) => unwrap<Endpoint>(raw.GET('/endpoints/{id}', { params: path(id), ...policy(true) })),
    update: (id, fields) => unwrap<Endpoint>(raw.PUT('/endpoints/{id}', { params: path(id), body: fields as EndpointInput, ...policy(true) })),
    delete: (id) => unwrap<{ message: string }>(raw.DELETE('/endpoints/{id}', { params: path(id), ...policy(true) })),
    state: async (id, limit) =>
      (await unwrap<{ records: { created_at: string; record: unknown }[] }>(raw.GET('/endpoints/{id}/state', { params: { path: { id }, query: limit === undefined ? {} : { limit } }, ...policy(true) }))).records,
    uptime: () => unwrap<{ milliseconds: number }>(raw.GET('/uptime', policy(true))),
    async call<T>(p: string, opts: EndpointCallOptions = {}) {
      const url = new URL(`${options.url}/w/${encodeURIComponent(options.workspace)}${p.startsWith('/') ? p : `/${p}`}`);
      for (const [k, v] of Object.entries(opts.query ?? {})) url.searchParams.set(k, v);
      const headers = new Headers(opts.headers);
      headers.set('x-api-key', options.apiKey);
      let body: string | undefined;
      if (opts.body !== undefined) {
        body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
        if (!headers.has('content-type')) headers.set('content-type', typeof opts.body === 'string' ? 'application/xml' : 'application/json');
      }
      const method = opts.method ?? 'GET';
      // What an endpoint does is its definition's business: only a GET is taken as safe to send twice.
      const res = await t.policy(method === 'GET').fetch(new Request(url, { method, headers, body }));
      const text = await res.text();
      const json = (res.headers.get('content-type') ?? '').includes('json');
      let parsed: unknown = text;
      if (json && text) {
        try {
          parsed = JSON.parse(text);
        } catch {
          // keep the text
        }
      }
      if (!res.ok) throw errorFromResponse(res.status, res.headers, parsed);
      return { status: res.status, headers: res.headers, body: parsed as T };
    },
  };
}
