import { defineError } from '../../core/errors.js';

// Errors of the flows API that need the store or a request (the pure rules' errors live in
// src/core/flow/flow-errors.ts).

export const FlowNotFound = defineError('WEFT_FLOW_NOT_FOUND', 404, (identifier: string) => `flow ${identifier} not found`);
export const FlowVersionNotFound = defineError('WEFT_FLOW_VERSION_NOT_FOUND', 404, (identifier: string, version: string) => `flow ${identifier} has no version ${version}`);
export const FlowInstanceNotFound = defineError('WEFT_FLOW_INSTANCE_NOT_FOUND', 404, (id: string) => `flow instance ${id} not found`);
export const FlowAlreadyStarted = defineError(
  'WEFT_FLOW_ALREADY_STARTED',
  409,
  (flow: string, subject: string) => `flow ${flow} is already started for subject ${subject}`,
);
export const SubjectNotFound = defineError('WEFT_SUBJECT_NOT_FOUND', 404, (key: string) => `subject ${key} not found`);
export const SubjectInvalid = defineError('WEFT_SUBJECT_INVALID', 400, 'the subject properties do not satisfy its schema');
export const SubjectSchemaInvalid = defineError('WEFT_SUBJECT_SCHEMA_INVALID', 400, (reason: string) => `invalid subject schema: ${reason}`);
export const FlowRequestInvalid = defineError('WEFT_FLOW_REQUEST_INVALID', 400, (reason: string) => `${reason}`);
