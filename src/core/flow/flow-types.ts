// Data shapes of flows (issue 3). Schemas and snapshots are plain JSON (DESIGN convention 2).

export type TransitionType = 'manual' | 'automatic';
export type StepState = 'inactive' | 'active' | 'paused' | 'completed';
export type InstanceState = 'active' | 'paused' | 'exited' | 'completed';

export interface StepSchema {
  identifier: string;
  name: string;
  /** Free JSON for the client (texts, placement, …). Default {}. */
  properties: unknown;
  /** Free JSON describing what the client does on this step. Default null. */
  action: unknown;
}

export interface TransitionSchema {
  /** May repeat: one request fires every transition with this identifier leaving an active step. */
  identifier: string;
  from: string;
  to: string;
  type: TransitionType;
  /** A condition in the expr language, or null for none. */
  condition: string | null;
}

/** One version of a flow, as compiled from the POST /v1/flows body. */
export interface FlowSchemaVersionBody {
  identifier: string;
  name: string;
  description: string;
  steps: StepSchema[];
  transitions: TransitionSchema[];
}

/** The part of a flow instance the reducer reads and writes. */
export interface FlowSnapshot {
  state: InstanceState;
  steps: Record<string, StepState>;
  data: unknown;
}

/** One fired transition. */
export interface HistoryEntry {
  transition: string;
  from: string;
  to: string;
  type: TransitionType;
  requestId: string | null;
  /** ms since the epoch, from the injected clock. */
  at: number;
}

export interface FlowErrorItem {
  code: string;
  message: string;
  path?: string;
}

export interface FlowSuccess {
  ok: true;
  next: FlowSnapshot;
  /** History entries to append, one per fired transition, in firing order. */
  applied: HistoryEntry[];
}

export interface FlowFailure {
  ok: false;
  status: 400 | 404 | 409;
  code: string;
  message: string;
  errors: FlowErrorItem[];
  /** The snapshot given, untouched (undefined for a failed start). */
  next: FlowSnapshot | undefined;
}

export type FlowResult = FlowSuccess | FlowFailure;

/** What conditions see besides the instance data. `now` stamps history entries. */
export interface FlowContext {
  /** The subject's properties (`${subject.…}`). */
  subject: unknown;
  now: number;
}
