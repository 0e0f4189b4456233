// Flows as a pure reducer (issue 3): schema compilation, start, transitions, pause/resume/exit.
export type * from './flow-types.js';
export { compileFlowSchema, type CompileFlowSchemaResult } from './flow-schema.js';
export { startInstance, type StartOptions } from './flow-start.js';
export { applyTransition, transitionsNow, type TransitionCommand, type TransitionNow } from './flow-transition.js';
export { pauseInstance, resumeInstance, exitInstance } from './flow-lifecycle.js';
export { advance, MAX_AUTOMATIC_FIRINGS } from './flow-advance.js';
export { startSteps } from './flow-graph.js';
export {
  NO_MATCHING_TRANSITION,
  FlowSchemaInvalid,
  FlowTransitionUnknown,
  FlowTransitionUnavailable,
  FlowConditionFalse,
  FlowInstanceNotActive,
  FlowAutomaticCycle,
} from './flow-errors.js';
