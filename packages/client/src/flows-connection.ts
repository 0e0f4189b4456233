import { Emitter } from './emitter.js';
import { errorFromEnvelope, WeftError } from './errors.js';
import { createRpcConnection, type Envelope, type RpcConnection } from './rpc-connection.js';
import { socketUrl } from './socket.js';
import { refusalProbe } from './socket-refusal.js';
import { createSubjectsApi, type SubjectsApi } from './flows-api.js';
import type { Transport } from './rest-client.js';
import type { BackoffOptions } from './backoff.js';
import type { FlowInstance, Subject } from './api-types.js';
import { newRequestId } from './ids.js';
import { RecentIds } from './recent-ids.js';

// client.flows.connect(): the /ws/flows protocol (issue 3) with one method per action. Requests in flight
// during a disconnect are sent again with the same request_id after the reconnect; the server applies a
// transition's request_id once. Subscriptions are renewed on every reconnect, and instance and subject
// subscribers are brought up to date with what changed while the connection was down.

export type SubscriptionTarget = { flowInstanceId: string } | { subject: string } | { flow: string };

export interface TransitionResult {
  result: 'success';
  /** Always null on success (a failure's message is the WeftError's). */
  message: null;
  flow_instance_id: string;
  step_schema_id: string | null;
  transition_schema_identifier: string;
  instance: FlowInstance;
}

export type Unsubscribe = (() => void) & {
  /**
   * Resolves once the server has the subscription; rejects when it refuses it (e.g. an unknown
   * instance). A refusal is an `error` event of the connection only when `ready` was never read.
   */
  readonly ready: Promise<void>;
};

export interface FlowConnectionEvents {
  open: { reconnected: boolean };
  close: { code: number; reason: string };
  error: WeftError;
}

export interface FlowConnectOptions {
  backoff?: BackoffOptions;
  /**
   * Default none: a request waits for its answer across reconnects for as long as it takes. With a value,
   * it fails with WEFT_CLIENT_TIMEOUT after that long (a transition may still be applied: send it again
   * with the same requestId to learn its result).
   */
  requestTimeoutMs?: number;
}

type Topic = 'flow_instance_id' | 'subject' | 'flow';

function topicOf(t: SubscriptionTarget): { topic: Topic; value: string } {
  if ('flowInstanceId' in t) return { topic: 'flow_instance_id', value: t.flowInstanceId };
  if ('subject' in t) return { topic: 'subject', value: t.subject };
  return { topic: 'flow', value: t.flow };
}

export class FlowConnection extends Emitter<FlowConnectionEvents> {
  private readonly rpc: RpcConnection;
  private readonly subjects: SubjectsApi;
  private readonly timeoutMs: number | undefined;
  private readonly subs = new Map<string, { topic: Topic; value: string; listeners: Set<(i: FlowInstance) => void> }>();
  // Highest seq seen per instance: a change is delivered once, in order, whether pushed or caught up.
  // Default 10,000 instances remembered: older ones are delivered again at most once after a catch-up.
  private readonly seqs = new RecentIds<number>(10_000);

  constructor(t: Transport, opts: FlowConnectOptions = {}) {
    super();
    const o = t.options;
    this.subjects = createSubjectsApi(t);
    this.timeoutMs = opts.requestTimeoutMs;
    this.rpc = createRpcConnection({
      url: socketUrl(o.url, 'ws/flows', o.apiKey, o.workspace),
      WebSocket: o.WebSocket,
      backoff: opts.backoff,
      onEvent: (frame) => {
        if (frame.event === 'flow_instance.updated' && frame.data) this.deliver(frame.data as FlowInstance);
      },
      onOpen: (reconnected, current) => this.resume(reconnected, current),
      onClose: (info) => this.emit('close', info),
      onError: (err) => this.emit('error', err),
      probeRefusal: refusalProbe(() => t.ping(false)),
    });
  }

  get connected(): boolean {
    return this.rpc.connected;
  }

  /** Resolves once the connection is open. */
  ready(): Promise<void> {
    return this.rpc.ready();
  }

  /**
   * Fires a manual transition; throws a WeftError (400, 404 or 409) when it fails. `requestId` (default a
   * new UUID) is the idempotency key: the server answers it again with the first result on any connection.
   */
  async transition(input: { flowInstanceId: string; transition: string; step?: string; input?: unknown; requestId?: string }): Promise<TransitionResult> {
    // data.request_id, not only the envelope's: the UUID is this transition's alone, recognised by the
    // server on any connection, whatever the envelope's id looks like.
    const data: Record<string, unknown> = { flow_instance_id: input.flowInstanceId, transition_schema_identifier: input.transition, request_id: input.requestId ?? newRequestId() };
    if (input.step !== undefined) data.step_schema_identifier = input.step;
    if (input.input !== undefined) data.input = input.input;
    const res = this.ok(await this.request('transition', data)) as TransitionResult;
    this.deliver(res.instance);
    return res;
  }

  /** Starts a flow for a subject. A start sent again after a reconnect that finds its own instance answers it. */
  async start(input: { flow: string; subject: string; data?: unknown }): Promise<FlowInstance> {
    const res = await this.request('start', { flow: input.flow, subject: input.subject, ...(input.data === undefined ? {} : { data: input.data }) });
    if (res.status === 409 && res.resent) {
      // Over the socket, not REST, so that it works from a browser page on another origin too.
      const mine = (await this.identify({ subject: input.subject })).instances.find((i) => i.flow === input.flow);
      if (mine) return mine;
    }
    return (this.ok(res) as { instance: FlowInstance }).instance;
  }

  /** Identifies or updates a subject; answers it with its instances. */
  async identify(input: { subject: string; properties?: Record<string, unknown>; schema?: unknown }): Promise<Subject> {
    return this.ok(await this.request('identify', { ...input })) as Subject;
  }

  async get(input: { flowInstanceId: string }): Promise<FlowInstance> {
    return (this.ok(await this.request('get', { flow_instance_id: input.flowInstanceId })) as { instance: FlowInstance }).instance;
  }

  /** Calls onChange with the instance after every committed change it matches; returns the unsubscribe function. */
  subscribe(target: SubscriptionTarget, onChange: (instance: FlowInstance) => void): Unsubscribe {
    const { topic, value } = topicOf(target);
    const key = `${topic}\u0000${value}`;
    let sub = this.subs.get(key);
    let ready: Promise<void>;
    if (!sub) {
      sub = { topic, value, listeners: new Set() };
      this.subs.set(key, sub);
      ready = this.request('subscribe', { [topic]: value }).then((res) => {
        if (res.status !== 200) {
          this.subs.delete(key);
          throw errorFromEnvelope(res);
        }
      });
    } else {
      ready = Promise.resolve();
    }
    sub.listeners.add(onChange);
    const s = sub;
    let done = false;
    let observed = false;
    const off = (() => {
      if (done) return;
      done = true;
      s.listeners.delete(onChange);
      if (s.listeners.size === 0 && this.subs.get(key) === s) {
        this.subs.delete(key);
        void this.rpc.request('unsubscribe', { [topic]: value }).catch(() => undefined);
      }
    }) as Unsubscribe;
    // A caller that reads `ready` hears of a refusal there; one that never does, through an `error`
    // event (and no unhandled rejection either way).
    ready.catch((err) => {
      if (!observed) this.emit('error', err instanceof WeftError ? err : new WeftError({ status: 0, code: 'WEFT_CLIENT_SUBSCRIBE', message: String(err) }));
    });
    Object.defineProperty(off, 'ready', {
      get: () => {
        observed = true;
        return ready;
      },
    });
    return off;
  }

  /** Closes the connection for good. */
  close(): Promise<void> {
    return this.rpc.close();
  }

  /** Drops the socket as a network failure would; the connection comes back by itself. */
  drop(): void {
    this.rpc.drop();
  }

  private request(action: string, data: Record<string, unknown>): Promise<Envelope> {
    return this.rpc.request(action, data, { timeoutMs: this.timeoutMs });
  }

  private ok(res: Envelope): unknown {
    if (res.status >= 200 && res.status < 300) return res.data;
    throw errorFromEnvelope(res);
  }

  private deliver(instance: FlowInstance) {
    const last = this.seqs.get(instance.id);
    if (last !== undefined && typeof instance.seq === 'number' && instance.seq <= last) return;
    if (typeof instance.seq === 'number') this.seqs.set(instance.id, instance.seq);
    for (const sub of this.subs.values()) {
      const v = sub.topic === 'flow_instance_id' ? instance.id : sub.topic === 'subject' ? instance.subject : instance.flow;
      if (v !== sub.value) continue;
      for (const l of [...sub.listeners]) {
        try {
          l(instance);
        } catch (err) {
          this.emit('error', new WeftError({ status: 0, code: 'WEFT_CLIENT_LISTENER', message: `a subscriber threw: ${(err as Error)?.message ?? err}`, cause: err }));
        }
      }
    }
  }

  private async resume(reconnected: boolean, current: () => boolean) {
    if (reconnected) {
      const subs = [...this.subs.values()];
      // Not sent again after a drop: the next connection subscribes anew.
      await Promise.all(subs.map((s) => this.rpc.request('subscribe', { [s.topic]: s.value }, { resend: false }).catch(() => undefined)));
      // This connection dropped meanwhile: the next one resumes (its own catch-up, its own `open`).
      if (!current()) return;
      // Changes committed while the socket was down were pushed to nobody: fetch the current state.
      void this.catchUp(subs).catch((err) => {
        // Cut short by another drop: the next connection catches up.
        if (current()) this.emit('error', err instanceof WeftError ? err : new WeftError({ status: 0, code: 'WEFT_CLIENT_RESUME', message: String(err) }));
      });
    }
    this.emit('open', { reconnected });
  }

  private async catchUp(subs: { topic: Topic; value: string }[]) {
    for (const s of subs) {
      if (s.topic === 'flow_instance_id') {
        const res = await this.rpc.request('get', { flow_instance_id: s.value }, { resend: false });
        if (res.status === 200) this.deliver((res.data as { instance: FlowInstance }).instance);
      } else if (s.topic === 'subject') {
        // Read over REST: the socket's `identify` would create a subject that does not exist yet.
        let subject: Subject;
        try {
          subject = await this.subjects.get(s.value);
        } catch (err) {
          // No such subject yet: nothing changed to catch up with.
          if (err instanceof WeftError && err.status === 404) continue;
          throw err;
        }
        for (const i of subject.instances) this.deliver(i);
      }
    }
  }
}
