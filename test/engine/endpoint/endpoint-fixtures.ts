// Shared by the endpoint engine tests: a real HTTP stub upstream on 127.0.0.1 (ephemeral port),
// an in-memory state store that filters like the real one must, a stepping clock, and builders.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import assert from 'node:assert/strict';
import {
  compileEndpointDefinition,
  latestPassingState,
  type EndpointDefinition,
  type StateConfig,
  type StateRecord,
} from '../../../src/core/endpoint/index.js';
import type { EndpointRequest } from '../../../src/engine/endpoint/index.js';

export interface Recorded {
  method: string;
  url: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: string;
}

export type StubHandler = (req: Recorded, res: ServerResponse) => unknown;

export interface Stub {
  url: string;
  requests: Recorded[];
  connections: number;
  close(): Promise<void>;
}

export async function startStub(handler: StubHandler): Promise<Stub> {
  const stub = { url: '', requests: [] as Recorded[], connections: 0, close: async () => {} };
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const u = new URL(req.url ?? '/', 'http://stub');
    const rec: Recorded = { method: req.method ?? '', url: req.url ?? '', path: u.pathname, query: u.searchParams, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
    stub.requests.push(rec);
    try {
      await handler(rec, res);
    } catch (e) {
      res.statusCode = 599;
      res.end(String(e));
    }
  });
  server.on('connection', () => stub.connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  stub.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  stub.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return stub;
}

export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/**
 * A port nothing listens on: 1 (tcpmux), privileged and unused. A port bound and then released could
 * be taken meanwhile by another process on the machine (another suite's server), and answer.
 */
export async function closedPortUrl(): Promise<string> {
  return 'http://127.0.0.1:1';
}

export function define(input: Record<string, unknown>): EndpointDefinition {
  const r = compileEndpointDefinition({ name: 'test', endpoint: { pattern: '/test' }, transformation: { input: 'JSON', output: 'JSON' }, ...input }, { reservedPrefixes: ['/endpoints'] });
  assert.ok(r.ok, r.ok ? '' : r.reason);
  return r.definition;
}

export function request(partial: Partial<EndpointRequest> & { json?: unknown } = {}): EndpointRequest {
  const { json: body, ...rest } = partial;
  return {
    method: 'POST',
    path: '/test',
    urlParams: {},
    query: {},
    headers: {},
    rawBody: body === undefined ? undefined : JSON.stringify(body),
    contentType: body === undefined ? undefined : 'application/json',
    ...rest,
  };
}

export function memoryState(initial: StateRecord[] = []) {
  const records: StateRecord[] = [...initial];
  const configs: StateConfig[] = [];
  return {
    records,
    configs,
    access: {
      loadState: async (config: StateConfig) => {
        configs.push(config);
        return latestPassingState(records, config);
      },
      // As the store does: the record as it was at the call, as JSON keeps it.
      saveState: async (record: StateRecord) => {
        records.push(JSON.parse(JSON.stringify(record)) as StateRecord);
      },
    },
  };
}

/** A clock that moves 10 ms on every reading, from 2026-01-01T00:00:00.000Z. */
export function steppingClock(start = Date.parse('2026-01-01T00:00:00.000Z')) {
  let t = start;
  return { now: () => (t += 10) };
}
