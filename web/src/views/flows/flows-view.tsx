import type { ViewProps } from '../../app.js';

export function FlowsView(_props: ViewProps) {
  return <p className="muted">coming soon</p>;
}
