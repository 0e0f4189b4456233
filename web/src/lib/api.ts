// The one module that talks to weft: fetch for REST, WebSocket for streams. Every call carries
// the key (X-API-Key, or api_key in the query for WebSockets, which cannot set headers) and the
// workspace (X-Workspace-Id / workspace_id).

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly body: unknown,
  ) {
    super(message);
  }
}

export interface Reply<T = unknown> {
  status: number;
  body: T;
  text: string;
  headers: Headers;
}

/** The server's own words: {"message"}, {"error"} or the text of the body. */
export function messageOf(status: number, body: unknown, text: string): string {
  if (body && typeof body === 'object') {
    const b = body as Record<string, unknown>;
    if (typeof b.message === 'string') return b.message;
    if (typeof b.error === 'string') return b.error;
  }
  return text.trim() || `HTTP ${status}`;
}

export interface RequestOptions {
  method?: string;
  json?: unknown;
  headers?: Record<string, string>;
  body?: string;
  /** Answer non-2xx statuses instead of throwing. */
  raw?: boolean;
  /** Send neither key nor workspace (a public endpoint tried as a stranger would). */
  anonymous?: boolean;
}

export interface Api {
  readonly key: string;
  readonly workspace: string;
  /** The server refused the key (its sockets stop reconnecting). */
  readonly refused: boolean;
  /**
   * Something failed as a refused key would make it fail (a 403, a socket that could not open):
   * asks GET /v1/workspaces, and on its 403 calls the `onForbidden` given to createApi.
   */
  checkKey(): void;
  request<T = any>(path: string, options?: RequestOptions): Promise<Reply<T>>;
  get<T = any>(path: string): Promise<T>;
  post<T = any>(path: string, json?: unknown): Promise<T>;
  put<T = any>(path: string, json?: unknown): Promise<T>;
  del(path: string): Promise<void>;
  /** A WebSocket URL on this server with the key and workspace in the query. */
  socketUrl(path: string): string;
}

export interface ApiOptions {
  /** Prefix of every URL (the page's own origin when empty). */
  base?: string;
  /** Called once when the server refuses the key, with its message ("Forbidden"). */
  onForbidden?(message: string): void;
}

/**
 * Why a key cannot be a key, in the server's words (it answers 403 Forbidden to such a key), or
 * null. A header carries Latin-1 only, without NUL, CR or LF: fetch would throw on anything else.
 */
export function keyProblem(key: string): string | null {
  for (const ch of key) {
    const code = ch.codePointAt(0)!;
    if (code > 0xff) return `Forbidden: an API key has no “${ch}” in it (a key travels in an HTTP header, which carries Latin-1 characters only)`;
    if (code === 0 || code === 0x0a || code === 0x0d) return 'Forbidden: an API key has no NUL or line break in it';
  }
  return null;
}

function parseBody(text: string): unknown {
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return text; // not JSON: keep the text
  }
}

export function createApi(key: string, workspace: string, settings: ApiOptions = {}): Api {
  const base = settings.base ?? '';
  const problem = keyProblem(key);
  let refused = false;
  let checking = false;
  const refuse = (message: string) => {
    if (refused) return;
    refused = true;
    settings.onForbidden?.(message);
  };
  // One check at a time: every view and socket of a revoked key fails at about the same moment.
  const checkKey = () => {
    if (refused || checking || !settings.onForbidden) return;
    if (problem) return refuse(problem);
    checking = true;
    fetch(`${base}/v1/workspaces`, { headers: { 'x-api-key': key, accept: 'application/json' } })
      .then(async (res) => {
        if (res.status !== 403) return;
        const text = await res.text();
        refuse(messageOf(403, parseBody(text), text));
      })
      .catch(() => {
        // The server is unreachable (restarting?): that is not a refusal.
      })
      .finally(() => {
        checking = false;
      });
  };
  async function request<T>(path: string, options: RequestOptions = {}): Promise<Reply<T>> {
    if (problem && !options.anonymous) {
      refuse(problem);
      throw new ApiError(403, problem, null);
    }
    const auth: Record<string, string> = options.anonymous ? {} : { 'x-api-key': key, 'x-workspace-id': workspace };
    const headers: Record<string, string> = { ...auth, accept: 'application/json', ...options.headers };
    let body = options.body;
    if (options.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.json);
    }
    const res = await fetch(base + path, { method: options.method ?? 'GET', headers, body });
    const text = await res.text();
    const parsed = parseBody(text);
    // A 403 may be an endpoint's own answer (try-it): only GET /v1/workspaces says whether it is the key.
    if (res.status === 403 && !options.anonymous) checkKey();
    if (!res.ok && !options.raw) throw new ApiError(res.status, messageOf(res.status, parsed, text), parsed);
    return { status: res.status, body: parsed as T, text, headers: res.headers };
  }
  return {
    key,
    workspace,
    get refused() {
      return refused;
    },
    checkKey,
    request,
    get: async (path) => (await request<any>(path)).body,
    post: async (path, json) => (await request<any>(path, { method: 'POST', json: json ?? {} })).body,
    put: async (path, json) => (await request<any>(path, { method: 'PUT', json: json ?? {} })).body,
    del: async (path) => {
      await request(path, { method: 'DELETE' });
    },
    socketUrl(path) {
      const loc = window.location;
      const origin = base ? base.replace(/^http/, 'ws') : `${loc.protocol === 'https:' ? 'wss' : 'ws'}://${loc.host}`;
      const sep = path.includes('?') ? '&' : '?';
      return `${origin}${path}${sep}api_key=${encodeURIComponent(key)}&workspace_id=${encodeURIComponent(workspace)}`;
    },
  };
}

/** Checks a key: its workspaces, or the server's refusal (403 Forbidden) as an ApiError. */
export async function listWorkspaces(key: string): Promise<string[]> {
  const api = createApi(key, 'default');
  const body = await api.get<{ workspaces: { id: string }[] }>('/v1/workspaces');
  return body.workspaces.map((w) => w.id);
}

export interface LiveSocket {
  send(data: unknown): void;
  close(): void;
}

export interface SocketHandlers {
  onMessage(data: any): void;
  onOpen?(send: (data: unknown) => void): void;
  onStatus?(connected: boolean): void;
}

/**
 * A WebSocket that reconnects: 0.5 s, then doubling up to 5 s between tries. The browser does
 * not show why an upgrade was refused (a 403 or 429 before the upgrade), so callers only learn
 * connected / not connected; a socket that could not open, or that the server closed with 1008
 * (a key revoked), has the key checked over HTTP (`api.checkKey`), and a refused key stops the
 * reconnecting.
 */
export function openSocket(api: Api, path: string, handlers: SocketHandlers): LiveSocket {
  let socket: WebSocket | null = null;
  let closed = false;
  let delay = 500;
  let timer: ReturnType<typeof setTimeout> | null = null;
  const send = (data: unknown) => {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(data));
  };
  const connect = () => {
    if (api.refused) return;
    let opened = false;
    socket = new WebSocket(api.socketUrl(path));
    socket.onopen = () => {
      opened = true;
      delay = 500;
      handlers.onStatus?.(true);
      handlers.onOpen?.(send);
    };
    socket.onmessage = (e) => {
      try {
        handlers.onMessage(JSON.parse(String(e.data)));
      } catch {
        // a frame that is not JSON is not ours to show
      }
    };
    socket.onclose = (e) => {
      // Closed here: the owner has gone, and a later socket of its own must not hear of this one.
      if (closed) return;
      handlers.onStatus?.(false);
      if (!opened || e.code === 1008) api.checkKey();
      if (api.refused) return;
      timer = setTimeout(connect, delay);
      delay = Math.min(delay * 2, 5000);
    };
  };
  connect();
  return {
    send,
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      socket?.close();
    },
  };
}
