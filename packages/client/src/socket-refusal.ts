import { WeftError } from './errors.js';
import type { SocketLike } from './socket.js';

// A WebSocket upgrade refused for the key (401/403) is not worth trying again: the connections stop
// and say so. The `ws` package (Node 20) shows the refusal's HTTP answer ('unexpected-response');
// browsers and Node ≥ 22's WebSocket hide it, so there a failed attempt is checked with an HTTP
// request carrying the same key.

/** What a connection attempt showed of the upgrade's answer. */
export interface UpgradeAnswer {
  /** Whether this socket shows a refused upgrade's status; when not, `refusal` stays null. */
  readonly visible: boolean;
  /** The refused upgrade's status and weft's error code, when it was answered with one. */
  refusal: { status: number; code: string | null } | null;
}

type UnexpectedResponse = { statusCode?: number; headers?: Record<string, string | string[] | undefined>; resume?(): void };

/** Watches a socket that is connecting for the answer to a refused upgrade. */
export function watchUpgrade(s: SocketLike): UpgradeAnswer {
  const ws = s as SocketLike & { on?: (event: string, f: (req: unknown, res: UnexpectedResponse) => void) => void; terminate?: () => void };
  const answer: UpgradeAnswer = { visible: typeof ws.on === 'function', refusal: null };
  // With a listener, ws leaves the answer to it: read it, then end the attempt as ws would (error, close).
  ws.on?.('unexpected-response', (_req, res) => {
    const code = res.headers?.['weft-error-code'];
    answer.refusal = { status: res.statusCode ?? 0, code: typeof code === 'string' ? code : null };
    res.resume?.();
    ws.terminate?.();
  });
  return answer;
}

export function isKeyRefusal(err: unknown): err is WeftError {
  return err instanceof WeftError && (err.status === 401 || err.status === 403);
}

/** The error a connection refused for its key ends with: as the REST routes' 403 says it. */
export function keyRefusal(status: number, code: string | null): WeftError | null {
  if (status === 403) return new WeftError({ status, code: code ?? 'WEFT_FORBIDDEN', message: 'Forbidden', retryable: false });
  if (status === 401) return new WeftError({ status, code: code ?? 'HTTP_401', message: 'Unauthorized', retryable: false });
  return null;
}

/**
 * For sockets that hide the status: whether the server refuses the key over HTTP (`ping`, sent once,
 * authenticates it as the upgrade does). Anything else (no answer, another error) is not a refusal.
 * One check at a time: attempts that fail while it is out share its answer.
 */
export function refusalProbe(ping: () => Promise<unknown>): () => Promise<WeftError | null> {
  let inFlight: Promise<WeftError | null> | null = null;
  const check = async () => {
    try {
      await ping();
      return null;
    } catch (err) {
      return isKeyRefusal(err) ? keyRefusal(err.status, err.code) : null;
    }
  };
  return () => (inFlight ??= check().finally(() => (inFlight = null)));
}
