import { compileSettings, storeOptions, type Settings } from '../../src/engine/settings.js';
import { createEngine, type Engine } from '../../src/engine/engine.js';
import { createServer, type WeftServer } from '../../src/transport/http/server.js';
import { createStore, type Store } from '../../src/storage/store.js';
import { join } from 'node:path';
import { before, after } from 'node:test';
import type { Backend } from './backends.js';

export const TEST_KEY = 'weft_test_key_primary_0123456789';
export const OTHER_KEY = 'weft_test_key_secondary_987654321';

export interface RunningWeft {
  url: string;
  wsUrl: string;
  engine: Engine;
  server: WeftServer;
  settings: Settings;
  /** fetch against the server with the primary key (unless headers say otherwise). */
  api(path: string, init?: RequestInit & { json?: unknown; key?: string | null }): Promise<{ status: number; body: any; headers: Headers; text: string }>;
  stop(): Promise<void>;
}

export interface Database {
  backend: Backend;
  env: Record<string, string>;
  pgSchema?: string;
  cleanup(): Promise<void>;
}

export function freshDatabase(backend: Backend): Database {
  const f = backend.fresh();
  return { backend, ...f };
}

/**
 * Inside a describe: a fresh database and a weft on it, started before the suite's tests and
 * stopped after them. The returned object stands for that weft once it is up (it forwards to it),
 * so tests use it as they would the RunningWeft itself.
 */
export function useWeft(backend: Backend, env: Record<string, string> = {}): RunningWeft {
  let db: Database | null = null;
  let running: RunningWeft | null = null;
  before(async () => {
    db = freshDatabase(backend);
    running = await startWeft(db, env);
  });
  after(async () => {
    await running?.stop();
    await db?.cleanup();
  });
  return new Proxy({} as RunningWeft, {
    get(_target, key) {
      if (!running) throw new Error('useWeft: the server is started in before(); use it inside tests');
      const value = (running as unknown as Record<string | symbol, unknown>)[key];
      return typeof value === 'function' ? value.bind(running) : value;
    },
  });
}

/** Starts engine + server in-process on an ephemeral port, over the given database. */
export async function startWeft(db: Database, env: Record<string, string> = {}): Promise<RunningWeft> {
  const settings = compileSettings(
    {},
    {
      WEFT_PORT: '0',
      WEFT_HOST: '127.0.0.1',
      WEFT_API_KEYS: `${TEST_KEY},${OTHER_KEY}`,
      WEFT_LOG_LEVEL: 'silent',
      WEFT_TASK_TIME_SCALE: '0.01',
      ...db.env,
      ...env,
    },
  );
  const store = await createStore(storeOptions(settings));
  const engine = await createEngine(settings, { store });
  const server = await createServer(engine);
  const { port } = await server.listen();
  engine.start();
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    wsUrl: `ws://127.0.0.1:${port}`,
    engine,
    server,
    settings,
    async api(path, init = {}) {
      const headers = new Headers(init.headers);
      const key = init.key === undefined ? TEST_KEY : init.key;
      if (key !== null && !headers.has('x-api-key')) headers.set('x-api-key', key);
      let body = init.body;
      if (init.json !== undefined) {
        headers.set('content-type', 'application/json');
        body = JSON.stringify(init.json);
      }
      const res = await fetch(url + path, { ...init, headers, body });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {
        // not JSON
      }
      return { status: res.status, body: parsed, headers: res.headers, text };
    },
    async stop() {
      await server.close();
      await engine.stop();
    },
  };
}

/** Resolves when predicate holds, polling every 20 ms; rejects after timeoutMs. */
export async function eventually<T>(fn: () => Promise<T> | T, predicate: (v: T) => boolean, timeoutMs = 5000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T;
  for (;;) {
    last = await fn();
    if (predicate(last)) return last;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last value: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A migrated store over the database, without a server (the storage conformance suites). */
export async function openStore(db: Database): Promise<Store> {
  const store = await createStore({
    databaseUrl: db.env.WEFT_DATABASE_URL ?? null,
    pgSchema: db.env.WEFT_DATABASE_SCHEMA,
    sqliteFile: db.env.WEFT_DATA_DIR ? join(db.env.WEFT_DATA_DIR, 'weft.db') : undefined,
  });
  await store.migrate();
  return store;
}
