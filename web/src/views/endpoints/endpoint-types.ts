// The endpoints management API's shapes (issue 5, docs/endpoints.md) as the dashboard reads them.

export interface RequestConfig {
  id: string;
  config?: { method?: string; url?: string };
  forEach?: unknown;
}

export interface EndpointDefinition {
  _id: string;
  name: string;
  description?: string;
  public?: boolean;
  endpoint: { pattern: string; method?: string };
  transformation?: { input?: string; output?: string };
  requests?: { lookup?: RequestConfig[]; response?: RequestConfig[] };
  state?: unknown;
  createdAt?: string;
  updatedAt?: string;
  [field: string]: unknown;
}

export const methodOf = (e: EndpointDefinition) => (e.endpoint.method ?? 'POST').toUpperCase();

/** The `:name` parameters of a pattern, in order. */
export const patternParams = (pattern: string) => pattern.split('/').filter((s) => s.startsWith(':')).map((s) => s.slice(1));

/** The pattern with its parameters filled in (URL-encoded); a missing one stays as `:name`. */
export function fillPattern(pattern: string, values: Record<string, string>): string {
  return pattern
    .split('/')
    .map((s) => (s.startsWith(':') && values[s.slice(1)] ? encodeURIComponent(values[s.slice(1)]) : s))
    .join('/');
}

/** The content type an endpoint's input format expects. */
export function contentTypeFor(input: string | undefined): string {
  switch ((input ?? 'JSON').toUpperCase()) {
    case 'XML':
      return 'application/xml';
    case 'FHIR+JSON':
      return 'application/fhir+json';
    case 'JSON+OPENHIM':
      return 'application/json+openhim';
    default:
      return 'application/json';
  }
}
