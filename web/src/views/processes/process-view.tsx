import type { ViewProps } from '../../app.js';

export function ProcessView(_props: ViewProps) {
  return <p className="muted">coming soon</p>;
}
