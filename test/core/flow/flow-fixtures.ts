import assert from 'node:assert/strict';
import { compileFlowSchema, type FlowSchemaVersionBody } from '../../../src/core/flow/index.js';

type T = [identifier: string, from: string, to: string, type?: 'manual' | 'automatic', condition?: string];

/** A compiled schema from step identifiers and [identifier, from, to, type, condition] tuples. */
export function flow(steps: string[], transitions: T[]): FlowSchemaVersionBody {
  const result = compileFlowSchema({
    identifier: 'test-flow',
    name: 'Test flow',
    description: '',
    steps: steps.map((identifier) => ({ identifier, name: identifier })),
    transitions: transitions.map(([identifier, from, to, type, condition]) => ({ identifier, from, to, type, condition })),
  });
  if (!result.ok) assert.fail(JSON.stringify(result.errors));
  return result.schema;
}

export const NOW = 1_700_000_000_000;
