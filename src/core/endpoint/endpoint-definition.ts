// compileEndpointDefinition: validates an endpoint definition the way the mapping mediator's
// mongoose schema and pre-save hook do (same messages), plus the checks weft adds (request shapes,
// status filters, JSON Schema, JSONata), and returns it with defaults applied and unknown fields dropped.
// The duplicate-pattern check needs the stored endpoints: see patternsOverlap / duplicatePatternMessage.

import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import ajvErrorsModule from 'ajv-errors';
import jsonata from 'jsonata';
import { refuseUserPattern, schemaRegExp } from '../user-regexp.js';
import {
  FieldErrors,
  castArray,
  castBoolean,
  castEnum,
  castNumber,
  castObject,
  castString,
  isPlainObject,
} from './definition-casts.js';
import { malformedDestinations, MAX_DESTINATION_INDEX, mappingFunctionNames, oversizedDestinationIndexes, unsafeMappingPaths } from './endpoint-mapping.js';
import { isParamSource, paramSourceOf } from './endpoint-params.js';
import { INVALID_URL_PARAMS_MESSAGE, hasValidUrlParams, isValidPattern } from './endpoint-pattern.js';
import { isAllowedStatusEntry, isStatusFilter } from './endpoint-state.js';
import { isMappingFunction } from './mapping-functions.js';
import {
  CONTENT_FORMATS,
  ENDPOINT_METHODS,
  NETWORK_ERROR_FILTERS,
  type EndpointDefinition,
  type ForEachSpec,
  type LookupRequest,
  type ParamSpec,
  type RequestConfig,
  type ResponseRequest,
  type StateExtract,
} from './endpoint-types.js';

const addFormats = ((addFormatsModule as any).default ?? addFormatsModule) as (ajv: Ajv) => void;
const ajvErrors = ((ajvErrorsModule as any).default ?? ajvErrorsModule) as (ajv: Ajv) => void;

export interface CompileEndpointOptions {
  /** Path prefixes weft serves itself (`/endpoints`, `/uptime`, `/v1`, `/ws`, `/tasks`, …). */
  reservedPrefixes: readonly string[];
  /** Update (PUT) rather than create: mongoose words the message `Validation failed` then. */
  update?: boolean;
}

export type CompileEndpointResult = { ok: true; definition: EndpointDefinition } | { ok: false; reason: string };

const REQUEST_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];

/** A fresh Ajv as the pipeline uses it: all errors, unknown keywords tolerated (mediator schemas use ajv-errors). */
export function createSchemaValidator(): Ajv {
  const ajv = new Ajv({ strict: false, allErrors: true, code: { regExp: schemaRegExp } });
  addFormats(ajv);
  // `errorMessage` in a schema replaces Ajv's own messages, as in the mediator (which loads ajv-errors too).
  ajvErrors(ajv);
  return ajv;
}

function compileParams(errors: FieldErrors, path: string, value: unknown): Record<string, ParamSpec> | undefined {
  const obj = castObject(errors, path, value);
  if (!obj) return undefined;
  const out: Record<string, ParamSpec> = {};
  for (const [name, raw] of Object.entries(obj)) {
    const p = `${path}.${name}`;
    const spec = castObject(errors, p, raw);
    if (!spec) {
      if (raw === undefined || raw === null) errors.add(`${p}.path`, `Path \`${p}.path\` is required.`);
      continue;
    }
    const paramPath = castString(errors, `${p}.path`, spec.path, true);
    if (paramPath !== undefined && !isParamSource(paramSourceOf(paramPath))) {
      errors.add(`${p}.path`, `Unsupported Query Parameter Extract Type: ${paramSourceOf(paramPath)}`);
    }
    const prefix = castString(errors, `${p}.prefix`, spec.prefix);
    const postfix = castString(errors, `${p}.postfix`, spec.postfix);
    out[name] = { path: paramPath ?? '', ...(prefix !== undefined && { prefix }), ...(postfix !== undefined && { postfix }) };
  }
  return out;
}

function compileConfig(errors: FieldErrors, path: string, value: unknown): RequestConfig {
  const cfg = castObject(errors, path, value) ?? {};
  const method = castString(errors, `${path}.method`, cfg.method);
  if (method !== undefined && !REQUEST_METHODS.includes(method.toUpperCase())) {
    errors.add(`${path}.method`, `\`${method}\` is not a valid HTTP method for path \`${path}.method\`.`);
  }
  const url = castString(errors, `${path}.url`, cfg.url, true);
  if (url !== undefined && !/^https?:\/\//i.test(url)) {
    errors.add(`${path}.url`, `Path \`${path}.url\` must be an absolute http(s) URL (${url}).`);
  }
  const out: RequestConfig = { url: url ?? '' };
  if (method !== undefined) out.method = method;
  const headers = castObject(errors, `${path}.headers`, cfg.headers);
  if (headers) out.headers = headers;
  const params = castObject(errors, `${path}.params`, cfg.params);
  if (params) {
    out.params = {};
    const urlParams = compileParams(errors, `${path}.params.url`, params.url);
    const queryParams = compileParams(errors, `${path}.params.query`, params.query);
    if (urlParams) out.params.url = urlParams;
    if (queryParams) out.params.query = queryParams;
  }
  return out;
}

function compileForEach(errors: FieldErrors, path: string, value: unknown): ForEachSpec | undefined {
  const fe = castObject(errors, path, value);
  if (!fe) return undefined;
  const items = castString(errors, `${path}.items`, fe.items, true);
  if (items !== undefined && !isParamSource(paramSourceOf(items))) {
    errors.add(`${path}.items`, `Unsupported Query Parameter Extract Type: ${paramSourceOf(items)}`);
  }
  const concurrency = castNumber(errors, `${path}.concurrency`, fe.concurrency);
  if (concurrency !== undefined && (!Number.isInteger(concurrency) || concurrency < 1)) {
    errors.add(`${path}.concurrency`, `Path \`${path}.concurrency\` must be a positive integer (${concurrency}).`);
  }
  return { items: items ?? '', ...(concurrency !== undefined && { concurrency }) };
}

function compileRequests(errors: FieldErrors, raw: unknown): EndpointDefinition['requests'] {
  const requests = castObject(errors, 'requests', raw) ?? {};
  const lookup: LookupRequest[] = [];
  const response: ResponseRequest[] = [];
  for (const kind of ['lookup', 'response'] as const) {
    const list = castArray(errors, `requests.${kind}`, requests[kind]) ?? [];
    const seen = new Set<string>();
    list.forEach((entry, i) => {
      const path = `requests.${kind}.${i}`;
      const r = castObject(errors, path, entry);
      if (!r) return;
      const id = castString(errors, `${path}.id`, r.id, true);
      if (id !== undefined) {
        if (seen.has(id)) errors.add(`${path}.id`, `Duplicate ${kind} request id '${id}'.`);
        seen.add(id);
      }
      const config = compileConfig(errors, `${path}.config`, r.config);
      const forEach = compileForEach(errors, `${path}.forEach`, r.forEach);
      const base = { id: id ?? '', config, ...(forEach && { forEach }) };
      if (kind === 'lookup') {
        const forward = castBoolean(errors, `${path}.forwardExistingRequestBody`, r.forwardExistingRequestBody);
        const fhir = castBoolean(errors, `${path}.fhirResponse`, r.fhirResponse);
        const allowed = castArray(errors, `${path}.allowedStatuses`, r.allowedStatuses);
        allowed?.forEach((s, j) => {
          if (!isAllowedStatusEntry(s)) {
            errors.add(`${path}.allowedStatuses.${j}`, `Invalid HTTP status '${String(s)}': use a status like 404 or a range like 2xx.`);
          }
        });
        lookup.push({
          ...base,
          ...(forward !== undefined && { forwardExistingRequestBody: forward }),
          ...(allowed && { allowedStatuses: allowed as Array<string | number> }),
          ...(fhir !== undefined && { fhirResponse: fhir }),
        });
      } else {
        const topic = castString(errors, `${path}.kafkaProducerTopic`, r.kafkaProducerTopic);
        response.push({ ...base, ...(topic !== undefined && { kafkaProducerTopic: topic }) });
      }
    });
  }
  return { lookup, response };
}

function compileExtract(errors: FieldErrors, raw: unknown): StateExtract | undefined {
  const extract = castObject(errors, 'state.extract', raw);
  if (!extract) return undefined;
  const flat = (path: string, value: unknown): Record<string, string> | undefined => {
    const obj = castObject(errors, path, value);
    if (!obj) return undefined;
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(obj)) {
      const s = castString(errors, `${path}.${k}`, v, true);
      if (s !== undefined) out[k] = s;
    }
    return out;
  };
  const out: StateExtract = {};
  for (const kind of ['requestBody', 'responseBody', 'query'] as const) {
    const v = flat(`state.extract.${kind}`, extract[kind]);
    if (v) out[kind] = v;
  }
  const lookups = castObject(errors, 'state.extract.lookupRequests', extract.lookupRequests);
  if (lookups) {
    out.lookupRequests = {};
    for (const [id, spec] of Object.entries(lookups)) {
      out.lookupRequests[id] = flat(`state.extract.lookupRequests.${id}`, spec) ?? {};
    }
  }
  return out;
}

function compileState(errors: FieldErrors, raw: unknown): EndpointDefinition['state'] {
  const state = castObject(errors, 'state', raw) ?? {};
  const config = castObject(errors, 'state.config', state.config) ?? {};
  const networkErrors = castEnum(errors, 'state.config.networkErrors', config.networkErrors, NETWORK_ERROR_FILTERS) ?? 'no-filter';
  const includeStatuses: string[] = [];
  (castArray(errors, 'state.config.includeStatuses', config.includeStatuses) ?? []).forEach((s, i) => {
    if (isStatusFilter(s)) includeStatuses.push(String(s));
    else errors.add(`state.config.includeStatuses.${i}`, `Invalid HTTP Status filter '${String(s)}': use a status like 201, a range like 2xx, or *.`);
  });
  const out: EndpointDefinition['state'] = { config: { networkErrors, includeStatuses } };
  const def = castObject(errors, 'state.default', state.default);
  if (def) out.default = def;
  const extract = compileExtract(errors, state.extract);
  if (extract) out.extract = extract;
  return out;
}

function checkValidation(errors: FieldErrors, schema: Record<string, unknown>): void {
  if (Object.keys(schema).length === 0) return;
  try {
    createSchemaValidator().compile(schema);
  } catch (e) {
    errors.add('inputValidation', `Invalid JSON Schema: ${(e as Error).message}`);
  }
}

function checkTransforms(errors: FieldErrors, transforms: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, expr] of Object.entries(transforms)) {
    const s = castString(errors, `inputTransforms.${key}`, expr, true);
    if (s === undefined) continue;
    try {
      jsonata(s);
      // JSONata's regular expressions run on the event loop too (core/user-regexp).
      const refused = refuseUserPattern(s);
      if (refused) throw new Error(refused);
      out[key] = s;
    } catch (e) {
      errors.add(`inputTransforms.${key}`, `Invalid JSONata expression: ${(e as Error).message}`);
    }
  }
  return out;
}

// Default 500 characters: a name is unique per workspace, so PostgreSQL indexes it, and an index
// entry holds at most 2,704 bytes (a longer name that did not compress was a 500 there, while SQLite
// stored it). 500 characters are at most 2,000 bytes of UTF-8.
export const MAX_ENDPOINT_NAME = 500;

export function compileEndpointDefinition(input: unknown, opts: CompileEndpointOptions): CompileEndpointResult {
  if (!isPlainObject(input) || Object.keys(input).length === 0) return { ok: false, reason: 'Invalid endpoint object' };
  const errors = new FieldErrors();

  const name = castString(errors, 'name', input.name, true);
  if (name !== undefined && name.length > MAX_ENDPOINT_NAME) {
    errors.add('name', `Path \`name\` (\`${name.slice(0, 40)}…\`) is longer than the maximum allowed length (${MAX_ENDPOINT_NAME}).`);
  }
  const kafkaConsumerTopic = castString(errors, 'kafkaConsumerTopic', input.kafkaConsumerTopic);
  const description = castString(errors, 'description', input.description);
  const isPublic = castBoolean(errors, 'public', input.public);

  const endpoint = castObject(errors, 'endpoint', input.endpoint) ?? {};
  const pattern = castString(errors, 'endpoint.pattern', endpoint.pattern, true);
  if (pattern !== undefined && !isValidPattern(pattern, opts.reservedPrefixes)) {
    errors.add('endpoint.pattern', `Path \`endpoint.pattern\` is invalid (${pattern}).`);
  }
  const method = castEnum(errors, 'endpoint.method', endpoint.method, ENDPOINT_METHODS) ?? 'POST';

  const transformation = castObject(errors, 'transformation', input.transformation) ?? {};
  const needsInput = method === 'POST' || method === 'PUT';
  const inputFormat = castEnum(errors, 'transformation.input', transformation.input, CONTENT_FORMATS, needsInput);
  const outputFormat = castEnum(errors, 'transformation.output', transformation.output, CONTENT_FORMATS, true);

  const requests = compileRequests(errors, input.requests);

  const inputMapping = castObject(errors, 'inputMapping', input.inputMapping);
  if (inputMapping) {
    for (const fn of mappingFunctionNames(inputMapping)) {
      if (!isMappingFunction(fn)) errors.add('inputMapping', `No function exists for key: ${fn}`);
    }
    for (const source of malformedDestinations(inputMapping)) {
      errors.add('inputMapping', `The destination of ${JSON.stringify(source)} must be a key, an object with a key, or a list of them`);
    }
    for (const path of unsafeMappingPaths(inputMapping)) {
      errors.add('inputMapping', `Path ${JSON.stringify(path)} is not allowed: a mapping path must not be empty or name __proto__, constructor or prototype`);
    }
    for (const path of oversizedDestinationIndexes(inputMapping)) {
      errors.add('inputMapping', `Path ${JSON.stringify(path)} is not allowed: a destination index must be at most ${MAX_DESTINATION_INDEX}`);
    }
  }
  const rawTransforms = castObject(errors, 'inputTransforms', input.inputTransforms);
  const inputTransforms = rawTransforms && checkTransforms(errors, rawTransforms);
  const inputValidation = castObject(errors, 'inputValidation', input.inputValidation);
  if (inputValidation) checkValidation(errors, inputValidation);
  const state = compileState(errors, input.state);

  if (!errors.empty) {
    return { ok: false, reason: errors.format(opts.update ? 'Validation failed' : 'endpoint validation failed') };
  }
  // The mediator checks URL parameters in its pre-save hook, after the schema validated.
  if (!hasValidUrlParams(pattern!)) return { ok: false, reason: INVALID_URL_PARAMS_MESSAGE };

  const definition: EndpointDefinition = {
    name: name!,
    ...(description !== undefined && { description }),
    ...(isPublic !== undefined && { public: isPublic }),
    ...(kafkaConsumerTopic !== undefined && { kafkaConsumerTopic }),
    endpoint: { pattern: pattern!, method },
    transformation: { ...(inputFormat !== undefined && { input: inputFormat }), output: outputFormat! },
    requests,
    ...(input.constants !== undefined && { constants: input.constants }),
    ...(inputMapping && { inputMapping }),
    ...(inputTransforms && { inputTransforms }),
    ...(inputValidation && { inputValidation }),
    state,
  };
  return { ok: true, definition };
}
