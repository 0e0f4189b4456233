// The endpoints capability's pure core: definitions, patterns, parameters, mapping, state filters.
export * from './endpoint-types.js';
export * from './endpoint-definition.js';
export * from './endpoint-pattern.js';
export * from './endpoint-params.js';
export * from './endpoint-state.js';
export * from './endpoint-mapping.js';
export * from './mapping-functions.js';
export { FieldErrors } from './definition-casts.js';
