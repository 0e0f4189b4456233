import type { ViewProps } from '../../app.js';

export function ProcessesView(_props: ViewProps) {
  return <p className="muted">coming soon</p>;
}
