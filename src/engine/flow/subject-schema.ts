import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { SubjectInvalid, SubjectSchemaInvalid } from './flow-request-errors.js';
import { schemaRegExp } from '../../core/user-regexp.js';

// Subjects may carry a JSON Schema (ajv 8, draft-07 with formats) that their properties must
// satisfy on every update.

const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv) => void;
// Default 500 compiled schemas kept: subjects of one kind usually share one schema.
const CACHE_SIZE = 500;

export interface SubjectSchemaError {
  path: string;
  message: string;
  keyword: string;
}

export function createSubjectValidator() {
  // strict off: schemas written for other validators may carry keywords ajv does not know.
  const ajv = new Ajv({ allErrors: true, strict: false, logger: false, code: { regExp: schemaRegExp } });
  addFormats(ajv);
  const cache = new Map<string, ValidateFunction>();

  /** Compiles (cached by its text); throws SubjectSchemaInvalid when it is not a valid schema. */
  function compile(schema: unknown): ValidateFunction {
    const text = JSON.stringify(schema);
    let fn = cache.get(text);
    if (fn) return fn;
    try {
      fn = ajv.compile(schema as object);
    } catch (e) {
      throw SubjectSchemaInvalid((e as Error).message);
    } finally {
      // Compiled schemas are kept by this cache only; ajv's own registry would grow without bound.
      ajv.removeSchema();
    }
    if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value!);
    cache.set(text, fn);
    return fn;
  }

  return {
    compile,
    /** Null when `properties` satisfy `schema` (or there is none), else the SubjectInvalid error to throw. */
    check(properties: unknown, schema: unknown) {
      if (schema === null || schema === undefined) return null;
      const validate = compile(schema);
      try {
        if (validate(properties)) return null;
      } catch (e) {
        // A schema that refers to itself without end ({"$ref": "#"}) recurses until the stack runs out.
        if (e instanceof RangeError) throw SubjectSchemaInvalid('the schema refers to itself without end (or nests too deep to check)');
        throw e;
      }
      const errors = (validate.errors ?? []).map((e: ErrorObject): SubjectSchemaError => ({ path: e.instancePath, message: e.message ?? 'invalid', keyword: e.keyword }));
      return SubjectInvalid({ details: { errors } });
    },
  };
}
