import { errorCodes, type FastifyInstance } from 'fastify';

// Endpoint requests reach the not-found handler (they match none of weft's routes) and the
// pipeline parses their bodies itself: the content type must match the input format, JSON and XML
// have their own messages. So for unmatched routes every body is kept raw in req.rawBody; weft's
// own routes parse JSON exactly as before (the default parser, the same errors) and still refuse
// other content types with 415.

declare module 'fastify' {
  interface FastifyRequest {
    /** The unparsed body of a request no weft route matched (an endpoint request). */
    rawBody?: string | Buffer;
  }
}

export function installEndpointBodyParsers(app: FastifyInstance) {
  // Fastify's defaults: prototype and constructor poisoning are errors.
  const json = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    if (req.is404) {
      req.rawBody = body;
      return done(null, undefined);
    }
    json(req, body as string, done);
  });
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (req, body, done) => {
    if (req.is404) {
      req.rawBody = body;
      return done(null, undefined);
    }
    done(new errorCodes.FST_ERR_CTP_INVALID_MEDIA_TYPE(String(req.headers['content-type'] ?? 'undefined')), undefined);
  });
}
