// The Ruote 2.3-compatible expression interpreter, as a pure reducer.
export { launchProcess, stepProcess, activeWorkitems, activeWorkitemIds } from './process-reducer.js';
export { parseDuration, parseDueAt } from './duration.js';
export { packState, unpackState } from './state-packing.js';
export { EXPRESSION_NAMES } from './expression-kinds.js';
export type {
  ActiveWorkitem, ExpressionState, Fields, LaunchMessage, ProcessEffect, ProcessMessage, ProcessState, StepContext, StepResult, Tree, Workitem,
} from './types.js';
