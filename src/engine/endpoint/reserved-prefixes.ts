// Every path prefix weft serves itself: an endpoint pattern may not start with one (whole segments:
// `/ws` reserves `/ws` and `/ws/…`, not `/wsdl`), and a request under one is never an endpoint request
// (except `/w/<workspace_id>/…`, the workspace-qualified endpoint path).
export const RESERVED_PREFIXES: readonly string[] = Object.freeze([
  '/endpoints',
  '/uptime',
  '/v1',
  '/ws',
  '/tasks',
  '/w',
  '/healthz',
  '/metrics',
  '/openapi.json',
  '/docs',
  '/ui',
]);

const DIRECTORIES = RESERVED_PREFIXES.map((p) => `${p}/`);

/** True when the path is one of weft's own (a reserved prefix as a whole segment). */
export function isReservedPath(path: string): boolean {
  for (let i = 0; i < RESERVED_PREFIXES.length; i++) {
    if (path === RESERVED_PREFIXES[i] || path.startsWith(DIRECTORIES[i])) return true;
  }
  return false;
}
