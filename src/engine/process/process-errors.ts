import { defineError } from '../../core/errors.js';

// The workflows API v1 errors (issue 4). The messages are the contract's, word for word.
export const WorkflowMissing = defineError('WEFT_WORKFLOW_MISSING', 400, 'workflow is missing');
export const CallbackMissing = defineError('WEFT_CALLBACK_MISSING', 400, 'callback, callbacks are missing, exactly one parameter must be provided');
export const WorkitemNotFound = defineError('WEFT_WORKITEM_NOT_FOUND', 400, 'workitem_id not found');
export const WorkflowIdMismatched = defineError('WEFT_WORKFLOW_ID_MISMATCHED', 400, 'workflow_id is mismatched');
export const WorkflowIdNotFound = defineError('WEFT_WORKFLOW_ID_NOT_FOUND', 400, 'workflow_id not found');
// Beyond the seed.
export const WorkflowNotFound = defineError('WEFT_WORKFLOW_NOT_FOUND', 404, 'workflow not found');
export const ProcessErrorNotFound = defineError('WEFT_PROCESS_ERROR_NOT_FOUND', 400, 'error not found');
export const ProcessRefused = defineError('WEFT_PROCESS_REFUSED', 400, (message: string) => `${message}`);
export const ProcessFieldInvalid = defineError('WEFT_PROCESS_FIELD_INVALID', 400, (message: string) => `${message}`);
export const DeliveryNotPending = defineError('WEFT_DELIVERY_NOT_PENDING', 400, 'no delivery waiting for workitem_id');
export const DefinitionUnknown = defineError('WEFT_DEFINITION_UNKNOWN', 400, 'definition not found');
export const DefinitionNotFound = defineError('WEFT_DEFINITION_NOT_FOUND', 404, 'definition not found');

/** The interpreter's refusals ({status: 400, message}) as coded errors. */
export function refusal(message: string) {
  switch (message) {
    case 'workitem_id not found':
      return WorkitemNotFound();
    case 'workflow_id not found':
      return WorkflowIdNotFound();
    case 'error not found':
      return ProcessErrorNotFound();
    default:
      return ProcessRefused(message);
  }
}
