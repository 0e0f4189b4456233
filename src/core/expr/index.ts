// The one condition language: dollar substitution and conditions (Ruote 2.3 semantics), shared by
// flows and processes.
export { type Resolve, substitute, substituteValue, renderValue } from './dollar-substitution.js';
export { evaluateCondition, checkCondition } from './condition.js';
export { resolvePath, objectResolver } from './path-lookup.js';
export { ConditionError } from './expr-errors.js';
