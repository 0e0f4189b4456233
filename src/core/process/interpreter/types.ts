// The persisted shapes of a running process. Everything here is plain JSON (no class instances,
// no Maps, no functions) so that the engine can store a ProcessState as one row.

export type Tree = [string, Record<string, unknown>, Tree[]];
export type Fields = Record<string, unknown>;

export interface Workitem {
  fields: Fields;
  /** Key (`expid!subid`) of the expression that sent this workitem in a reply. */
  fei?: string;
}

export type ExpState =
  | 'cancelling' | 'dying' | 'timing_out' | 'failing' | 'failed' | 'cancelled' | 'retrying';

export interface ExpressionState {
  fei: string;
  expid: string;
  subid: string;
  parent?: string;
  /** Expression name after ref resolution: 'participant', 'subprocess', 'sequence', ... */
  name: string;
  tree: Tree;
  applied: Workitem;
  children: string[];
  variables?: Record<string, unknown>;
  state?: ExpState;
  onError?: unknown;
  onCancel?: unknown;
  onTimeout?: unknown;
  /** Set when a cancel asks for a re-apply (redo, retry, timed retries). */
  onReApply?: { tree: Tree; applied: boolean };
  tagname?: string;
  fullTagname?: string;
  timers?: string[];
  forgotten?: boolean;
  flanking?: boolean;
  lost?: boolean;
  flanks?: string[];
  /** The on_x that put this expression in place of another (ruote's "trigger"). */
  trigger?: string;
  /** What it replaced (ruote's "supplanted"): for a "second take" (`__on_error__` set by the handler). */
  supplanted?: { tree: Tree; applied: Workitem };
  /** For concurrent_iterator branches: their index. */
  branch?: number;
  /** Expression-specific data (iterator position, concurrence merge state, ...). */
  data: Record<string, any>;
  workitemId?: string;
  participant?: string;
  dispatchedAt?: number;
}

export interface ProcessErrorRecord {
  id: string;
  expid: string;
  message: string;
  at: number;
  fei: string;
  msg: InternalMessage;
}

export type TrackedEvent = 'entered_tag' | 'left_tag' | 'dispatch' | 'receive' | 'error_intercepted';

export interface TrackerRecord {
  fei: string;
  event: TrackedEvent;
  /** A name ("x"), a list ("a, b" or an array), a /regex/, or undefined for any. */
  condition?: string | string[];
  /** For the await attribute: the apply to run when the event comes (else a reply is sent). */
  resume?: InternalMessage;
}

export interface TimerRecord {
  dueAt: number;
  msg: InternalMessage;
}

export interface ProcessState {
  wfid: string;
  status: 'running' | 'completed' | 'cancelled' | 'error';
  paused: boolean;
  tree: Tree;
  expressions: Record<string, ExpressionState>;
  root?: string;
  fields?: Fields;
  variables: Record<string, unknown>;
  trace: string[];
  errors: ProcessErrorRecord[];
  callback?: string;
  callbacks?: Record<string, string>;
  /** workitemId → expression key of the participant expression waiting on it. */
  workitems: Record<string, string>;
  timers: Record<string, TimerRecord>;
  /** await expressions listening to events of this process. */
  trackers?: TrackerRecord[];
  /** Messages that arrived while paused, handled in order on resume. */
  pausedMessages: ProcessMessage[];
  /** How the process is being ended ('cancel', 'kill', 'terminate'), when it is. */
  ending?: 'cancel' | 'kill' | 'terminate';
  seq: number;
  launchedAt: number;
  endedAt?: number;
}

export type InternalMessage =
  | {
      action: 'apply'; fei: string; parent?: string; tree: Tree; workitem: Workitem;
      variables?: Record<string, unknown>; forgotten?: boolean; flanking?: boolean;
      trigger?: string; supplanted?: { tree: Tree; applied: Workitem }; branch?: number; launch?: boolean; awaited?: boolean;
    }
  | { action: 'reply'; fei: string; workitem: Workitem; flanking?: boolean }
  | {
      action: 'cancel'; fei: string; flavour?: string;
      reApply?: { tree?: Tree; applied?: boolean }; onCancel?: unknown;
    }
  | { action: 'fail'; fei: string; workitem: Workitem; immediate?: boolean; handler?: unknown }
  | { action: 'error'; fei: string; message: string }
  | { action: 'cancel_process'; flavour?: string };

export type ProcessMessage =
  | {
      type: 'launch'; tree: Tree; fields: Fields; variables: Record<string, unknown>;
      callback?: string; callbacks?: Record<string, string>;
    }
  | { type: 'proceed'; workitemId: string; fields?: Fields }
  | { type: 'timer'; timerId: string }
  | { type: 'delivery_failed'; workitemId: string; message: string }
  | { type: 'cancel' } | { type: 'kill' } | { type: 'pause' } | { type: 'resume' }
  | { type: 'replay'; errorId: string; tree?: Tree; fields?: Fields };

export type LaunchMessage = Extract<ProcessMessage, { type: 'launch' }>;

export interface StepContext {
  now: number;
  /** An integer in [0, n). */
  random: (n: number) => number;
}

export type ProcessEffect =
  | {
      type: 'dispatch'; workitemId: string; participant: string; url: string;
      status: 'active' | 'cancel' | 'timeout' | 'error'; fields: Fields;
    }
  | { type: 'schedule'; timerId: string; dueAt: number }
  | { type: 'unschedule'; timerId: string }
  | { type: 'ended'; status: ProcessState['status'] };

export type StepResult =
  | { state: ProcessState; effects: ProcessEffect[] }
  | { error: { status: 400; message: string } };

export interface ActiveWorkitem {
  workitemId: string;
  participant: string;
  fields: Fields;
  expid: string;
  dispatchedAt: number;
}
