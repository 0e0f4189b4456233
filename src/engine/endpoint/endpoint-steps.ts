// Steps 4–6: validation (JSON Schema), input transforms (JSONata) and mapping (object-mapper).
// Compiled schemas and expressions are cached by their text, so definitions re-read from storage
// on every request compile once.

import { refuseUserPattern } from '../../core/user-regexp.js';
import type { ValidateFunction } from 'ajv';
import { applyMapping, createSchemaValidator } from '../../core/endpoint/index.js';
import type { Reply } from './endpoint-responses.js';
import { EndpointFailure, type PipelineContext } from './pipeline-context.js';
import { createTransformPool } from './transform-pool.js';

// Default 256 entries: far more than the distinct schemas/expressions of one deployment's endpoints.
const CACHE_LIMIT = 256;

class BoundedCache<V> {
  private readonly map = new Map<string, V>();

  get(key: string, make: () => V): V {
    const hit = this.map.get(key);
    if (hit !== undefined) return hit;
    const value = make();
    if (this.map.size >= CACHE_LIMIT) this.map.delete(this.map.keys().next().value as string);
    this.map.set(key, value);
    return value;
  }
}

export interface StepCaches {
  validate(schema: Record<string, unknown>): ValidateFunction;
  /** Evaluates the transforms in order over a copy of the data, on a worker thread (transform-pool). */
  transform(data: object, transforms: Record<string, string>): Promise<Record<string, unknown>>;
  errorsText(validate: ValidateFunction): string;
  close(): Promise<void>;
}

/** `transformTimeoutMs` bounds each JSONata evaluation (D1012), so a looping expression cannot hang a request. */
export function createStepCaches(transformTimeoutMs: number): StepCaches {
  const ajv = createSchemaValidator();
  const schemas = new BoundedCache<ValidateFunction>();
  const refusals = new BoundedCache<string | null>();
  const pool = createTransformPool(transformTimeoutMs);
  return {
    validate: (schema) =>
      schemas.get(JSON.stringify(schema), () => {
        const fn = ajv.compile(schema);
        // Ajv keeps every compiled schema object; the cache above is the only one we want.
        ajv.removeSchema(schema);
        return fn;
      }),
    transform: (data, transforms) => {
      const entries = Object.entries(transforms);
      for (const [, text] of entries) {
        // Definitions saved before the check (core/user-regexp) are refused when they run.
        const refused = refusals.get(text, () => refuseUserPattern(text));
        if (refused) return Promise.reject(new Error(refused));
      }
      return pool.run(data, entries);
    },
    errorsText: (validate) => ajv.errorsText(validate.errors),
    close: () => pool.close(),
  };
}

export function validateInput(ctx: PipelineContext, caches: StepCaches): void {
  const schema = ctx.definition.inputValidation;
  if (!schema || Object.keys(schema).length === 0) return;
  const d = ctx.allData;
  const data: Record<string, unknown> = {};
  if (d.requestBody) data.requestBody = d.requestBody;
  if (d.query && Object.keys(d.query).length > 0) data.query = d.query;
  if (d.lookupRequests) data.lookupRequests = d.lookupRequests;
  if (Object.keys(data).length === 0) throw new EndpointFailure(400, 'No data to validate');
  let validate: ValidateFunction;
  try {
    validate = caches.validate(schema);
  } catch (e) {
    throw new EndpointFailure(500, `Validation schema invalid: ${(e as Error).message}`);
  }
  let valid: boolean;
  try {
    valid = validate(data) as boolean;
  } catch (e) {
    // A schema that refers to itself without end ({"$ref": "#"}) recurses until the stack runs out.
    if (e instanceof RangeError) throw new EndpointFailure(400, `Validation failed: ${SCHEMA_RECURSES}`);
    throw e;
  }
  if (!valid) throw new EndpointFailure(400, `Validation failed: ${caches.errorsText(validate)}`);
}

const SCHEMA_RECURSES = 'the schema refers to itself without end (or nests too deep to check)';

/** Evaluates the transforms in order; each result is `transforms.<key>` for the later ones and the mapping. */
export async function runTransforms(ctx: PipelineContext, caches: StepCaches): Promise<void> {
  const transforms = ctx.definition.inputTransforms;
  if (!transforms || Object.keys(transforms).length === 0) return;
  try {
    ctx.allData.transforms = await caches.transform(ctx.allData, transforms);
  } catch (e) {
    throw new EndpointFailure(500, `Input transform error: ${(e as Error).message}`);
  }
}

/** The mapped reply; without a mapping, the request body (with the lookups when there were any). */
export function mapBody(ctx: PipelineContext): Reply {
  const d = ctx.allData;
  const mapping = ctx.definition.inputMapping;
  let body: unknown;
  if (!mapping || Object.keys(mapping).length === 0) {
    body = d.lookupRequests ? { requestBody: d.requestBody, lookupRequests: d.lookupRequests } : d.requestBody;
  } else {
    try {
      body = applyMapping(d, mapping);
    } catch (e) {
      throw new EndpointFailure(500, `Object mapping schema invalid: ${(e as Error).message}`);
    }
  }
  d.responseBody = body;
  // No body at all (a GET without mapping or lookups) is 204, as Koa answers the mediator's empty body.
  return { status: body === undefined ? 204 : 200, headers: {}, body };
}
