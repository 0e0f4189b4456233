import type { Socket } from 'node:net';
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
  /**
   * Takes a stream slot (limits hold cluster-wide) before the upgrade; throws the 429 to answer. The
   * slot is the connection's: it is given back when `connection` (the request's TCP socket) closes,
   * whether or not the upgrade completed.
   */
  admit(keyId: string, ws: number, connection: Socket): Promise<void>;
  attach(ws: number, socket: WebSocket): void;
  stop(): Promise<void>;
}

export function createTaskStreams(engine: Engine): TaskStreams {
  const byWs = new Map<number, WorkspaceStreams>();
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

  const release = (ws: number) =>
    void engine.store.nodes.releaseStreamSlot(engine.settings.nodeId, ws).catch((err) => engine.log.warn({ err }, 'stream slot release failed'));

  function detach(ws: number, socket: WebSocket) {
    const entry = byWs.get(ws);
    if (!entry || !entry.sockets.has(socket)) return;
    entry.sockets.delete(socket);
    if (entry.sockets.size === 0) {
      if (entry.timer) clearTimeout(entry.timer);
      byWs.delete(ws);
    }
  }

  return {
    async admit(keyId, ws, connection) {
      const r = await engine.store.nodes.takeStreamSlot({
        node: engine.settings.nodeId,
        keyId,
        ws,
        // A node whose heartbeat is older than this is gone, and so are its streams.
        liveSince: engine.clock.now() - 3000,
        maxWorkspacesPerKey: limits.maxStreamWorkspacesPerKey,
        maxStreamsPerWorkspace: limits.maxStreamsPerWorkspace,
      });
      if (r === 'too_many_workspaces') throw TooManyWorkspaces();
      if (r === 'too_many_connections') throw TooManyConnections();
      // Closed while the slot was taken: no 'close' is coming any more.
      if (connection.destroyed) release(ws);
      else connection.once('close', () => release(ws));
    },
    attach(ws, socket) {
      let entry = byWs.get(ws);
      if (!entry) {
        entry = { sockets: new Set(), timer: null, sending: false, dirty: false };
        byWs.set(ws, entry);
      }
      entry.sockets.add(socket);
      socket.on('close', () => detach(ws, socket));
      socket.on('error', () => detach(ws, socket));
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
    },
  };
}
