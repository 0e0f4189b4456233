import WebSocket from 'ws';

export interface RpcReply<T = any> {
  request_id: number;
  status: number;
  errors: { code: string; message: string }[];
  data: T;
}

/**
 * A client of weft's WebSocket request/response envelope (/ws/flows, /ws/workers): many requests
 * may be in flight on one socket; replies are matched by request_id.
 */
export class RpcSocket {
  private next = 1;
  private pending = new Map<number, (r: RpcReply) => void>();
  onEvent: (msg: any) => void = () => {};

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (raw) => {
      const msg = JSON.parse(raw.toString());
      if (typeof msg.request_id === 'number' && this.pending.has(msg.request_id)) {
        const done = this.pending.get(msg.request_id)!;
        this.pending.delete(msg.request_id);
        done(msg);
      } else {
        this.onEvent(msg);
      }
    });
    ws.on('close', () => {
      for (const done of this.pending.values()) done({ request_id: -1, status: 0, errors: [{ code: 'closed', message: 'socket closed' }], data: null });
      this.pending.clear();
    });
  }

  static open(url: string): Promise<RpcSocket> {
    return new Promise((resolve, reject) => {
      // perMessageDeflate off: compression costs more CPU than these small frames save on loopback.
      const ws = new WebSocket(url, { perMessageDeflate: false });
      ws.once('open', () => resolve(new RpcSocket(ws)));
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    });
  }

  /** Sends a request; `requestId` lets the caller choose it (flows use it as the idempotency key). */
  call<T = any>(action: string, data: unknown, requestId = this.next++): Promise<RpcReply<T>> {
    return new Promise((resolve) => {
      this.pending.set(requestId, resolve);
      this.ws.send(JSON.stringify({ request_id: requestId, action, data }));
    });
  }

  nextId() {
    return this.next++;
  }

  close() {
    this.ws.close();
  }
}
