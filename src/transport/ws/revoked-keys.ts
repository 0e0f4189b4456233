import type { WebSocket } from 'ws';
import type { ApiKeyRecord } from '../../storage/auth-store.js';

// Sockets are authenticated once, at the upgrade; a key revoked afterwards must stop working on them
// too, within the time it stops working on HTTP (the key cache's 5 s). Every `everyMs` while any
// socket is open, the keys are read again (the table holds the operator's few keys) and the sockets
// of a revoked one are closed with 1008 (policy violation). They kept claiming tasks, writing
// subjects and receiving every workspace frame for as long as they stayed open.

export const REVOKED_CLOSE_CODE = 1008;
export const REVOKED_CLOSE_REASON = 'the API key was revoked';

export interface RevokedKeyWatch {
  /** Watches a socket opened with the key; forgotten when it closes. */
  add(keyId: string, socket: WebSocket): void;
  stop(): void;
}

/**
 * `onRevoked` hears the revoked keys that had sockets open, before they are closed (so that a
 * client reconnecting at once is refused too, not let in by a key remembered as valid).
 */
export function watchRevokedKeys(
  listKeys: () => Promise<ApiKeyRecord[]>,
  everyMs: number,
  onRevoked: (keyIds: ReadonlySet<string>) => void,
  onError: (err: unknown) => void,
): RevokedKeyWatch {
  const open = new Map<string, Set<WebSocket>>();
  let checking = false;
  const timer = setInterval(() => {
    if (open.size === 0 || checking) return;
    checking = true;
    listKeys()
      .then((keys) => {
        const revoked = new Set(keys.filter((k) => k.revokedAt !== null && open.has(k.id)).map((k) => k.id));
        if (revoked.size === 0) return;
        onRevoked(revoked);
        for (const id of revoked) for (const socket of open.get(id) ?? []) socket.close(REVOKED_CLOSE_CODE, REVOKED_CLOSE_REASON);
      })
      // The database away: the next turn tries again (HTTP refuses meanwhile, 503).
      .catch(onError)
      .finally(() => (checking = false));
  }, everyMs);
  timer.unref();
  return {
    add(keyId, socket) {
      let sockets = open.get(keyId);
      if (!sockets) open.set(keyId, (sockets = new Set()));
      sockets.add(socket);
      socket.once('close', () => {
        sockets.delete(socket);
        if (sockets.size === 0 && open.get(keyId) === sockets) open.delete(keyId);
      });
    },
    stop() {
      clearInterval(timer);
    },
  };
}
