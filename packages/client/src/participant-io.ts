// The request/response shapes a participant handler accepts: node:http's IncomingMessage/ServerResponse
// (also what Express hands over), described structurally so that this file imports nothing from Node.
// Not Fastify's request.raw: its body parser has read the stream already (participant.handle instead).

export type HeaderBag = Record<string, string | string[] | undefined> | { get(name: string): string | null };

export interface RequestLike extends AsyncIterable<unknown> {
  headers: HeaderBag;
  /** A body a framework has already read: a string or bytes are used as they are; an object cannot be verified. */
  body?: unknown;
  /** The raw body some frameworks keep (e.g. Express's verify hook, fastify-raw-body). */
  rawBody?: unknown;
}

export interface ResponseLike {
  statusCode: number;
  setHeader(name: string, value: string): unknown;
  end(body?: string): unknown;
}

export function header(h: HeaderBag, name: string): string | undefined {
  if (typeof (h as { get?: unknown }).get === 'function') return (h as { get(n: string): string | null }).get(name) ?? undefined;
  const v = (h as Record<string, string | string[] | undefined>)[name];
  return Array.isArray(v) ? v.join(' ') : v;
}

function asBytes(v: unknown): Uint8Array | null {
  if (typeof v === 'string') return new TextEncoder().encode(v);
  if (v instanceof Uint8Array) return v;
  if (v instanceof ArrayBuffer) return new Uint8Array(v);
  return null;
}

/** The raw body: kept by the framework, or read from the stream. */
export async function readRawBody(req: RequestLike, limit: number): Promise<Uint8Array> {
  const kept = asBytes(req.rawBody) ?? asBytes(req.body);
  if (kept) return kept;
  if (req.body !== undefined && req.body !== null) {
    throw new Error('the request body was already parsed: give the participant the raw body (express.raw(), or req.rawBody) so that its signature can be checked');
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of req) {
    const bytes = asBytes(chunk);
    if (!bytes) continue;
    size += bytes.length;
    if (size > limit) throw new Error('the delivery is larger than the limit');
    chunks.push(bytes);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

export function send(res: ResponseLike, status: number, body: unknown) {
  res.statusCode = status;
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify(body));
}
