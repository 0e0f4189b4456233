import { defineError } from '../../core/errors.js';

// The endpoints management API's errors, worded as the OpenHIM mapping mediator words them (the
// contract of issue 5); they render as {"error": …}.

export const EndpointBodyInvalid = defineError('WEFT_ENDPOINT_BODY_INVALID', 400, (message: string) => `Parsing incoming request body failed: ${message}`);
// No space after the colon: the mediator's wording.
export const EndpointCreateFailed = defineError('WEFT_ENDPOINT_CREATE_FAILED', 400, (reason: string) => `Create endpoint failed:${reason}`);
export const EndpointUpdateFailed = defineError('WEFT_ENDPOINT_UPDATE_FAILED', 400, (reason: string) => `Updating of endpoint failed: ${reason}`);
/** prefix: `Retrieving of endpoint failed: `, `Updating of endpoint failed: ` or `Endpoint deletion failed: `. */
export const EndpointIdInvalid = defineError('WEFT_ENDPOINT_ID_INVALID', 400, (prefix: string) => `${prefix}Endpoint ID supplied in url is invalid`);
/** DELETE passes the id in quotes (`'<id>'`), as the mediator words it there. */
export const EndpointNotFound = defineError('WEFT_ENDPOINT_NOT_FOUND', 404, (id: string) => `Endpoint with ID ${id} does not exist`);
/** No endpoint serves the request's method and path. */
export const EndpointUnknown = defineError('WEFT_ENDPOINT_UNKNOWN', 404, (path: string) => `Unknown Endpoint: ${path}`);

/**
 * A served endpoint's own failure (parsing, a lookup, validation, a transform, state…), with the
 * status of its stage (400, 404, 413, 500…) and the mediator's message. Answers an upstream sent are
 * passed on as they came, without it.
 */
export const EndpointFailed = defineError('WEFT_ENDPOINT_FAILED', 400, (message: string) => message);
