// Flows in the engine (issue 3): the service that applies the pure core under the store's row
// lock, the request readers shared by REST and /ws/flows, and the wire rendering.
export { createFlowService, type FlowService, type FlowServiceDeps, type FlowView, type SubjectView, type HistoryView } from './flow-service.js';
export * from './flow-input.js';
export * from './flow-request-errors.js';
export { renderInstance, type InstanceView, type TransitionOutcome } from './flow-render.js';
