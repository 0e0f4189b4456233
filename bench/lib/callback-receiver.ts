import { createServer, type IncomingMessage, type Server } from 'node:http';
import { Pool } from 'undici';

export interface Delivery {
  workflow_id: string;
  workitem_id: string;
  participant: string;
  status: string;
  proceed_url: string;
}

/**
 * A participant on loopback (node:http): answers every delivery 200 at once, then hands it to
 * `onDelivery` (which usually proceeds it through `proceed`).
 */
export class CallbackReceiver {
  private server: Server;
  private pool: Pool | null = null;
  url = '';
  received = 0;

  constructor(public onDelivery: (d: Delivery) => void) {
    this.server = createServer((req, res) => {
      readBody(req).then((text) => {
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
        this.received++;
        try {
          this.onDelivery(JSON.parse(text));
        } catch {
          // a body that is not a delivery is counted and ignored
        }
      });
    });
    this.server.keepAliveTimeout = 60_000;
  }

  async listen(): Promise<string> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    const addr = this.server.address();
    this.url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/callback`;
    return this.url;
  }

  /** POSTs to a proceed_url (it carries its own token; no API key). Resolves with the status. */
  async proceed(proceedUrl: string, fields?: Record<string, unknown>): Promise<number> {
    const u = new URL(proceedUrl);
    this.pool ??= new Pool(u.origin, { connections: 32 });
    const res = await this.pool.request({
      path: u.pathname + u.search,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(fields ? { fields } : {}),
    });
    await res.body.text();
    return res.statusCode;
  }

  async close() {
    await this.pool?.close();
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let s = '';
    req.setEncoding('utf8');
    req.on('data', (d) => (s += d));
    req.on('end', () => resolve(s));
  });
}
