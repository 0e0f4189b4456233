// A real participant on loopback: records every callback weft POSTs and answers with a status
// chosen per request (2xx by default).
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { once } from 'node:events';

export interface Callback {
  path: string;
  headers: IncomingHttpHeaders;
  raw: string;
  body: {
    workflow_id: string;
    workitem_id: string;
    participant: string;
    status: string;
    fields: Record<string, any>;
    proceed_url: string;
  };
  /** The status this receiver answered with. */
  answered: number;
  /** When it arrived (ms since the epoch). */
  at: number;
}

export interface Receiver {
  url: string;
  readonly calls: Callback[];
  /** Decides the answer to each request (default 200); 0 never answers. */
  respond: (path: string, nth: number, body: Callback['body']) => number;
  /** Resolves with the first recorded callback (past or future) matching predicate. */
  next(predicate: (c: Callback) => boolean, timeoutMs?: number, what?: string): Promise<Callback>;
  /** Resolves when `n` callbacks match. */
  count(predicate: (c: Callback) => boolean, n: number, timeoutMs?: number): Promise<Callback[]>;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const calls: Callback[] = [];
  const waiters = new Set<() => void>();
  const perPath = new Map<string, number>();
  let server: Server;
  const receiver: Receiver = {
    url: '',
    calls,
    respond: () => 200,
    async next(predicate, timeoutMs = 5000, what = 'callback') {
      const [c] = await receiver.count(predicate, 1, timeoutMs).catch((err) => {
        throw new Error(`${(err as Error).message} (${what})`);
      });
      return c;
    },
    count(predicate, n, timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = calls.filter(predicate);
          if (found.length >= n) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(found);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out waiting for ${n} callbacks; got ${JSON.stringify(calls.map((c) => [c.path, c.body.participant, c.body.status, c.answered]))}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
  server = createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      const path = req.url ?? '/';
      const nth = (perPath.get(path) ?? 0) + 1;
      perPath.set(path, nth);
      let body: Callback['body'];
      try {
        body = JSON.parse(raw);
      } catch {
        body = {} as Callback['body'];
      }
      const answered = receiver.respond(path, nth, body);
      calls.push({ path, headers: req.headers, raw, body, answered, at: Date.now() });
      if (answered !== 0) res.writeHead(answered, { 'content-type': 'text/plain' }).end('ok');
      for (const w of [...waiters]) w();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const addr = server.address();
  receiver.url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  return receiver;
}
