import type { ViewProps } from '../../app.js';

export function EndpointsView(_props: ViewProps) {
  return <p className="muted">coming soon</p>;
}
