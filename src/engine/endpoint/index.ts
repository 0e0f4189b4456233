// The endpoints capability's engine: the request pipeline and the outbound HTTP client.
export * from './endpoint-pipeline.js';
export * from './endpoint-http.js';
export * from './http-client.js';
export type { EndpointClock, EndpointRequest, AllData } from './pipeline-context.js';
export { OPENHIM_TRANSACTION_HEADER, OPENHIM_CONTENT_TYPE, DEFAULT_MEDIATOR_URN, type Orchestration } from './openhim-response.js';
export { renderXml, createXmlReader } from './xml-codec.js';
export { FOR_EACH_ITEMS_MESSAGE } from './endpoint-lookups.js';
