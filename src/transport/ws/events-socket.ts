import type { WebSocket } from 'ws';
import type { Engine } from '../../engine/engine.js';
import type { EventMap, EventName } from '../../engine/event-bus.js';
import { sendJson } from './rpc-envelope.js';

// /ws/events: a read-only push of what changes in a workspace, for dashboards:
// {"event": "<name>", "data": {…}} after each commit. Tasks and flow instances have their own
// streams (/ws/tasks, /ws/flows); this one adds processes, deliveries, endpoints and flow schemas.

type Rendered = { event: string; data: Record<string, unknown> };

const RENDER: { [K in EventName]?: (p: EventMap[K]) => Rendered } = {
  'process:changed': (p) => ({ event: 'process.changed', data: { wfid: p.wfid, status: p.status } }),
  'callback:failed': (p) => ({ event: 'callback.failed', data: { wfid: p.wfid, workitem_id: p.workitemId, error: p.error } }),
  'callback:retrying': (p) => ({
    event: 'callback.retrying',
    data: { wfid: p.wfid, workitem_id: p.workitemId, participant: p.participant, attempts: p.attempts, next_attempt_at: new Date(p.nextAttemptAt).toISOString(), error: p.error },
  }),
  'endpoint:changed': (p) => ({ event: 'endpoint.changed', data: { id: p.id } }),
  'endpoint:served': (p) => ({ event: 'endpoint.served', data: { id: p.id, status: p.status } }),
  'flow:transition': (p) => ({ event: 'flow.transition', data: { instance_id: p.instanceId, count: p.count } }),
  'flow:defined': (p) => ({ event: 'flow.defined', data: { identifier: p.identifier, version: p.version } }),
  'task:changed': () => ({ event: 'task.changed', data: {} }),
};

export function handleEventsSocket(engine: Engine, ws: number, socket: WebSocket) {
  const offs = (Object.keys(RENDER) as EventName[]).map((name) =>
    engine.bus.on(name, (payload) => {
      if ((payload as { ws?: number }).ws !== ws) return;
      sendJson(socket, (RENDER[name] as (p: unknown) => Rendered)(payload));
    }),
  );
  socket.on('close', () => offs.forEach((off) => off()));
  // Read-only: incoming frames are ignored.
}
