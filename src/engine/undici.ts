// undici is loaded on the first outbound call (a participant callback, an endpoint lookup), not at
// start: it is the largest module weft loads, and a restarted node should serve first.
let loading: Promise<typeof import('undici')> | null = null;

export function loadUndici(): Promise<typeof import('undici')> {
  return (loading ??= import('undici'));
}
