// The flows API's shapes (issue 3) as the dashboard reads them.

export interface FlowStep {
  identifier: string;
  name?: string;
  properties?: unknown;
  action?: unknown;
}

export interface FlowTransition {
  identifier: string;
  from: string;
  to: string;
  type?: 'manual' | 'automatic';
  condition?: string;
}

export interface FlowSchema {
  identifier: string;
  version: number;
  name?: string;
  description?: string;
  steps: FlowStep[];
  transitions: FlowTransition[];
  created_at: string;
}

export interface FlowInstance {
  id: string;
  flow: string;
  version: number;
  subject: string;
  state: 'active' | 'paused' | 'exited' | 'completed';
  steps: Record<string, string>;
  data: unknown;
  seq: number;
  active_steps: string[];
  created_at: string;
  updated_at: string;
}

export interface HistoryEntry {
  seq: number;
  transition: string;
  from: string;
  to: string;
  type: 'manual' | 'automatic';
  request_id: string | null;
  at: string;
}

/** GET /v1/flow-instances/:id/transitions: a manual transition offered now, and whether it would fire. */
export interface TransitionNow {
  identifier: string;
  from: string;
  to: string;
  condition: string | null;
  available: boolean;
  reason: string | null;
}
