// Processes on the server (issue 4): the service, its delivery and timer loops.
export { createProcessService, type ProcessService, type ProceedAccess } from './process-service.js';
export { readLaunchInput, readProceedFields, readReplayInput, readDefinitionInput, readStatusFilter, readDeliveryFilter, readWorkflow, type LaunchInput } from './process-request.js';
export type { ProcessView, ProcessSummary, WorkitemView } from './process-view.js';
export { DEFAULT_RETRY_DELAYS } from './delivery-worker.js';
export { signWebhook, webhookKey } from './delivery-signing.js';
