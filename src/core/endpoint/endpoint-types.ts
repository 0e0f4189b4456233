// The endpoint definition format of the OpenHIM mapping mediator (its mongoose `endpoint` schema),
// as compiled by compileEndpointDefinition: defaults applied, unknown fields dropped.

export const CONTENT_FORMATS = ['JSON', 'XML', 'FHIR+JSON', 'JSON+OPENHIM'] as const;
export type ContentFormat = (typeof CONTENT_FORMATS)[number];

export const ENDPOINT_METHODS = ['GET', 'POST', 'PUT', 'DELETE'] as const;
export type EndpointMethod = (typeof ENDPOINT_METHODS)[number];

export const NETWORK_ERROR_FILTERS = ['include', 'exclude', 'no-filter'] as const;
export type NetworkErrorFilter = (typeof NETWORK_ERROR_FILTERS)[number];

/** Where a lookup or response request takes a parameter value from. */
export interface ParamSpec {
  path: string;
  prefix?: string | null;
  postfix?: string | null;
}

export interface RequestConfig {
  method?: string;
  url: string;
  headers?: Record<string, unknown>;
  params?: {
    url?: Record<string, ParamSpec>;
    query?: Record<string, ParamSpec>;
  };
}

export interface ForEachSpec {
  /** A parameter path (same prefixes as params) that must resolve to an array. */
  items: string;
  /** Default 1 (the mediator's): items are requested one after another. */
  concurrency?: number;
}

export interface LookupRequest {
  id: string;
  config: RequestConfig;
  forwardExistingRequestBody?: boolean;
  forEach?: ForEachSpec;
  /** Statuses (`404`, `"404"`) or ranges (`"2xx"`); default: any 2xx. */
  allowedStatuses?: Array<string | number>;
  fhirResponse?: boolean;
}

export interface ResponseRequest {
  id: string;
  config: RequestConfig;
  forEach?: ForEachSpec;
  kafkaProducerTopic?: string;
}

/** `{ name: path }` per data point; lookupRequests nests one level by lookup id. */
export interface StateExtract {
  requestBody?: Record<string, string>;
  responseBody?: Record<string, string>;
  query?: Record<string, string>;
  lookupRequests?: Record<string, Record<string, string>>;
}

export interface StateConfig {
  /** Default 'no-filter'. 'include' keeps only records with a network error, 'exclude' only those without. */
  networkErrors: NetworkErrorFilter;
  /** Default []: every status. Entries are a status (`"201"`), a range (`"2xx"`) or `"*"`. */
  includeStatuses: string[];
}

export interface EndpointState {
  default?: Record<string, unknown>;
  extract?: StateExtract;
  config: StateConfig;
}

export interface EndpointDefinition {
  name: string;
  description?: string;
  /** weft: callable without the API key. */
  public?: boolean;
  kafkaConsumerTopic?: string;
  endpoint: { pattern: string; method: EndpointMethod };
  transformation: { input?: ContentFormat; output: ContentFormat };
  requests: { lookup: LookupRequest[]; response: ResponseRequest[] };
  constants?: unknown;
  inputMapping?: Record<string, unknown>;
  inputTransforms?: Record<string, string>;
  inputValidation?: Record<string, unknown>;
  state: EndpointState;
}

/** Duration as the mediator stores it (luxon `Duration#toObject()`). */
export interface DurationObject {
  milliseconds: number;
}

export interface RequestTimestamps {
  requestStart: string;
  requestEnd?: string;
  requestDuration?: DurationObject;
}

export interface SystemTimestamps {
  endpointStart: string;
  endpointEnd: string;
  endpointDuration: DurationObject;
  lookupRequests: Record<string, RequestTimestamps>;
}

/**
 * One saved state document, shaped like the mediator's `state` collection so definitions can read
 * `state.system.timestamps.lookupRequests.<id>.requestStart`, `state.requestBody.<name>`, ….
 */
export interface StateRecord {
  system: { timestamps: SystemTimestamps };
  /** The highest HTTP status any lookup answered with; absent when no lookup got an answer. */
  lookupHttpStatus?: number;
  /** True when a lookup got no answer (refused, timed out, host not allowed). */
  lookupNetworkError: boolean;
  requestBody?: Record<string, unknown>;
  responseBody?: Record<string, unknown>;
  query?: Record<string, unknown>;
  lookupRequests?: Record<string, Record<string, unknown>>;
  [extra: string]: unknown;
}
