import { errorCodes, type FastifyInstance, type FastifyRequest } from 'fastify';
import { parse as parseQueryString } from 'fast-querystring';
import { refuseJsonText, refuseUrlEncoded } from '../../core/input-limits.js';
import { BodyRefusedError } from './error-handler.js';

// Every request body. Endpoint requests reach the not-found handler (they match none of weft's
// routes) and the pipeline parses their bodies itself: the content type must match the input
// format, JSON and XML have their own messages. So for unmatched routes every body is kept raw in
// req.rawBody; weft's own routes parse JSON (Fastify's parser, its errors), form-encoded bodies
// where the route takes them, and refuse other content types with 415. An empty JSON body is no
// body (bodyless routes such as DELETE are often sent `content-type: application/json` anyway);
// what weft refuses in any input (see core/input-limits) is refused here, before parsing.

declare module 'fastify' {
  interface FastifyRequest {
    /** The unparsed body of a request no weft route matched (an endpoint request). */
    rawBody?: string | Buffer;
  }
}

const unsupported = (req: FastifyRequest) => new errorCodes.FST_ERR_CTP_INVALID_MEDIA_TYPE(String(req.headers['content-type'] ?? 'undefined'));

export function installBodyParsers(app: FastifyInstance) {
  // Fastify's defaults: prototype and constructor poisoning are errors.
  const json = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    if (req.is404) {
      req.rawBody = body;
      return done(null, undefined);
    }
    const text = body as string;
    if (text === '') return done(null, undefined);
    const refused = refuseJsonText(text);
    if (refused) return done(new BodyRefusedError(refused), undefined);
    json(req, text, done);
  });
  // Form-encoded bodies only where a route takes them (the workflows API: `config.formBody`), else 415
  // as any other type a route does not read.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (req, body, done) => {
    if (req.is404) {
      req.rawBody = body;
      return done(null, undefined);
    }
    if (!req.routeOptions.config?.formBody) return done(unsupported(req), undefined);
    const text = body as string;
    const refused = refuseUrlEncoded(text);
    if (refused) return done(new BodyRefusedError(refused), undefined);
    done(null, parseQueryString(text));
  });
  // Fastify's own text/plain parser would hand weft's routes a string they cannot read: 415 instead.
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (req, body, done) => {
    if (req.is404) {
      req.rawBody = body;
      return done(null, undefined);
    }
    done(unsupported(req), undefined);
  });
}
