import type { WebSocket } from 'ws';
import type { Engine } from '../../engine/engine.js';
import { renderTask } from '../http/task-render.js';
import { defineError } from '../../core/errors.js';

export const TooManyWorkspaces = defineError('WEFT_TOO_MANY_WORKSPACES', 429, 'too many workspaces');
export const TooManyConnections = defineError('WEFT_TOO_MANY_CONNECTIONS', 429, 'too many connections in workspace');

// Default 25 ms: changes closer together than this share one frame (the contract allows 50 ms).
const COALESCE_MS = 25;
// The contract: a frame at least once a second even without changes.
const HEARTBEAT_MS = 1000;

interface WorkspaceStreams {
  keyId: string;
  sockets: Set<WebSocket>;
  timer: NodeJS.Timeout | null;
  sending: boolean;
  dirty: boolean;
}

/**
 * /ws/tasks: every open stream of a workspace gets the workspace's full task array on connect,
 * after every change (coalesced) and at least once a second. One query serves every socket of
 * the workspace.
 */
export interface TaskStreams {
  /** Checks the limits before the upgrade; throws the 429 to answer. */
  admit(keyId: string, ws: number): void;
  attach(keyId: string, ws: number, socket: WebSocket): void;
  stop(): Promise<void>;
}

export function createTaskStreams(engine: Engine): TaskStreams {
  const byWs = new Map<number, WorkspaceStreams>();
  const byKey = new Map<string, Set<number>>();
  const limits = engine.settings;

  async function send(ws: number) {
    const entry = byWs.get(ws);
    if (!entry) return;
    if (entry.sending) {
      entry.dirty = true;
      return;
    }
    entry.sending = true;
    try {
      do {
        entry.dirty = false;
        const frame = JSON.stringify((await engine.tasks.list(ws)).map(renderTask));
        for (const s of entry.sockets) if (s.readyState === s.OPEN) s.send(frame);
      } while (entry.dirty && byWs.has(ws));
    } catch (err) {
      engine.log.warn({ err }, 'task stream frame failed');
    } finally {
      entry.sending = false;
    }
  }

  function schedule(ws: number) {
    const entry = byWs.get(ws);
    if (!entry || entry.timer) return;
    entry.timer = setTimeout(() => {
      entry.timer = null;
      void send(ws);
    }, COALESCE_MS);
  }

  const offChanged = engine.bus.on('task:changed', ({ ws }) => schedule(ws));
  const beat = setInterval(() => {
    for (const ws of byWs.keys()) void send(ws);
  }, HEARTBEAT_MS);
  beat.unref();

  function detach(keyId: string, ws: number, socket: WebSocket) {
    const entry = byWs.get(ws);
    if (!entry) return;
    entry.sockets.delete(socket);
    if (entry.sockets.size === 0) {
      if (entry.timer) clearTimeout(entry.timer);
      byWs.delete(ws);
      const set = byKey.get(keyId);
      set?.delete(ws);
      if (set && set.size === 0) byKey.delete(keyId);
    }
  }

  return {
    admit(keyId, ws) {
      const open = byKey.get(keyId) ?? new Set<number>();
      if (!open.has(ws) && open.size >= limits.maxStreamWorkspacesPerKey) throw TooManyWorkspaces();
      if ((byWs.get(ws)?.sockets.size ?? 0) >= limits.maxStreamsPerWorkspace) throw TooManyConnections();
    },
    attach(keyId, ws, socket) {
      let entry = byWs.get(ws);
      if (!entry) {
        entry = { keyId, sockets: new Set(), timer: null, sending: false, dirty: false };
        byWs.set(ws, entry);
      }
      entry.sockets.add(socket);
      let keySet = byKey.get(keyId);
      if (!keySet) byKey.set(keyId, (keySet = new Set()));
      keySet.add(ws);
      socket.on('close', () => detach(keyId, ws, socket));
      socket.on('error', () => detach(keyId, ws, socket));
      // Read-only stream: incoming messages are ignored.
      void (async () => {
        try {
          const frame = JSON.stringify((await engine.tasks.list(ws)).map(renderTask));
          if (socket.readyState === socket.OPEN) socket.send(frame);
        } catch (err) {
          engine.log.warn({ err }, 'task stream first frame failed');
        }
      })();
    },
    async stop() {
      offChanged();
      clearInterval(beat);
      for (const entry of byWs.values()) {
        if (entry.timer) clearTimeout(entry.timer);
        for (const s of entry.sockets) s.close(1001, 'server shutting down');
      }
      byWs.clear();
      byKey.clear();
    },
  };
}
