// The WebSocket the client runs on: the platform's (browsers, Node ≥ 22) or, on Node 20 where there is
// none, the `ws` package, loaded only then so that browser bundles never include it.

/** The part of the WHATWG WebSocket API the client uses; `ws` implements it too. */
export interface SocketLike {
  readonly readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export type SocketFactory = new (url: string) => SocketLike;

export const OPEN = 1;

export async function loadWebSocket(given?: unknown): Promise<SocketFactory> {
  if (given) return given as SocketFactory;
  const platform = (globalThis as { WebSocket?: unknown }).WebSocket;
  if (platform) return platform as SocketFactory;
  // A computed specifier keeps bundlers from pulling `ws` into browser builds.
  const name = 'ws';
  const mod = (await import(/* @vite-ignore */ name)) as { default?: unknown; WebSocket?: unknown };
  return (mod.WebSocket ?? mod.default) as SocketFactory;
}

/** ws://host/path?api_key=…&workspace_id=… — browsers cannot set headers on a WebSocket, so both go in the query. */
export function socketUrl(httpUrl: string, path: string, apiKey: string, workspace: string): string {
  const u = new URL(path, httpUrl.replace(/\/*$/, '/'));
  u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
  u.searchParams.set('api_key', apiKey);
  u.searchParams.set('workspace_id', workspace);
  return u.toString();
}

/** Text of a message event (ws may hand over a Buffer). */
export function messageText(data: unknown): string {
  if (typeof data === 'string') return data;
  if (data && typeof (data as { toString?: unknown }).toString === 'function') return String(data);
  return '';
}
