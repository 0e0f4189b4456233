// Steps 2 and 8: parsing the request body by the input format and rendering the reply by the output format.

import { CONTENT_FORMATS } from '../../core/endpoint/index.js';
import { parseJsonRefusingPrototypes, refuseJsonText } from '../../core/input-limits.js';
import { EndpointFailure, headerValue, type EndpointRequest } from './pipeline-context.js';
import { createXmlReader, renderXml } from './xml-codec.js';

export type XmlReader = (text: string) => unknown;

export { createXmlReader };

/**
 * The parsed request body, or undefined for GET and DELETE (which carry none). The content type must
 * contain the input format's name (`json`, `xml`, `fhir+json`, `json+openhim`), as in the mediator.
 */
export function parseRequestBody(
  request: EndpointRequest,
  inputFormat: string | undefined,
  readXml: XmlReader,
  maxBodyBytes: number,
): unknown {
  const method = request.method.toUpperCase();
  if (method === 'GET' || method === 'DELETE') return undefined;
  const format = (inputFormat ?? '').toUpperCase();
  if (!(CONTENT_FORMATS as readonly string[]).includes(format)) {
    throw new EndpointFailure(400, `transformation method "${format}" not yet supported`);
  }
  const contentType = request.contentType ?? headerValue(request.headers, 'content-type') ?? '';
  const expected = format.toLowerCase();
  if (!contentType.toLowerCase().includes(expected)) {
    throw new EndpointFailure(
      400,
      `Supplied input format does not match incoming content-type: Expected ${expected} format, but received ${contentType.split('/')[1]}`,
    );
  }
  const raw = request.rawBody ?? '';
  const size = typeof raw === 'string' ? Buffer.byteLength(raw) : raw.length;
  if (size > maxBodyBytes) throw new EndpointFailure(413, 'Parsing incoming body failed: request entity too large');
  const text = typeof raw === 'string' ? raw : raw.toString('utf8');
  if (text.trim() === '') return {};
  const refused = format === 'XML' ? null : refuseJsonText(text);
  if (refused) throw new EndpointFailure(400, `Parsing incoming body failed: ${refused}`);
  try {
    return format === 'XML' ? readXml(text) : parseJsonRefusingPrototypes(text);
  } catch (e) {
    throw new EndpointFailure(400, `Parsing incoming body failed: ${(e as Error).message}`);
  }
}

export interface RenderedBody {
  body: string;
  contentType: string;
}

/** The reply body in the output format; in JSON a string body (an upstream's text answer) is sent as it is. */
export function renderBody(outputFormat: string, body: unknown, noContent = false): RenderedBody {
  const format = outputFormat.toUpperCase();
  const contentType = format === 'XML' ? 'application/xml' : `application/${format.toLowerCase()}`;
  // A 204 carries no body, in any format.
  if (noContent) return { body: '', contentType };
  // XML output is always a document, as the mediator's builder makes one of anything: no body is
  // <root/>, a text (an upstream's plain answer) is the text of <root>, escaped.
  if (format === 'XML') return { body: renderXml(body === undefined || body === '' ? {} : body), contentType };
  if (body === undefined) return { body: '', contentType };
  if (typeof body === 'string') return { body, contentType };
  return { body: JSON.stringify(body), contentType };
}
