import type { ViewProps } from '../../app.js';

export function FlowInstanceView(_props: ViewProps) {
  return <p className="muted">coming soon</p>;
}
