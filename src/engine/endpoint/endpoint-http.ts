// The outbound HTTP contract of the endpoint pipeline, and the host allowlist both the pipeline and
// the real client apply. Tests inject their own function; production uses createHttpClient.

export interface OutboundRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
}

export interface OutboundResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Resolves with any answer (whatever its status); rejects when there is none (refused, timeout, host not allowed). */
export type EndpointHttp = (req: OutboundRequest) => Promise<OutboundResponse>;

/**
 * True when the URL's host may be called. No list (or an empty one) allows every host. Entries are
 * a host name (`api.example.org`), a host and port (`127.0.0.1:8080`) or a wildcard for sub-domains
 * (`*.example.org`); host names compare case-insensitively.
 */
export function hostAllowed(url: string, allowHosts: readonly string[] | undefined): boolean {
  if (!allowHosts || allowHosts.length === 0) return true;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  const host = parsed.hostname.toLowerCase().replace(/^\[|\]$/g, '');
  const port = parsed.port || (parsed.protocol === 'https:' ? '443' : '80');
  return allowHosts.some((raw) => {
    const entry = raw.trim().toLowerCase();
    const [name, entryPort] = splitHostPort(entry);
    if (entryPort && entryPort !== port) return false;
    if (name.startsWith('*.')) return host.endsWith(name.slice(1));
    return host === name;
  });
}

function splitHostPort(entry: string): [string, string | undefined] {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
  if (bracketed) return [bracketed[1], bracketed[2]];
  const parts = entry.split(':');
  // More than one colon: a bare IPv6 address without a port.
  if (parts.length === 2 && /^\d+$/.test(parts[1])) return [parts[0], parts[1]];
  return [entry, undefined];
}

export class HostNotAllowedError extends Error {
  constructor(url: string) {
    let host = url;
    try {
      host = new URL(url).host;
    } catch {
      // keep the raw URL in the message
    }
    super(`host '${host}' is not in the allowed hosts list`);
    this.name = 'HostNotAllowedError';
  }
}
