// Generates docs/errors.md (every code defined with defineError under src/) and
// docs/configuration.md (every setting). Run `npm run docs` after adding an error code or a
// setting; test/docs/generated-docs.test.ts fails while the committed files are out of step.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SETTINGS } from '../src/engine/settings.js';

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? walk(p) : p.endsWith('.ts') ? [p] : [];
  });
}

export interface ErrorDef {
  code: string;
  status: number;
  message: string;
  file: string;
}

export function collectErrors(root = 'src'): ErrorDef[] {
  const out: ErrorDef[] = [];
  const re = /defineError(?:<[^>]*>)?\(\s*'([A-Z0-9_]+)'\s*,\s*(\d{3})\s*,\s*([\s\S]*?)\)\s*;\s*$/gm;
  for (const file of walk(root).sort()) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(re)) {
      const msg = m[3].trim().replace(/\s+/g, ' ');
      const literal = /^'([^']*)'$/.exec(msg) ?? /^"([^"]*)"$/.exec(msg);
      const template = /=>\s*`([^`]*)`/.exec(msg);
      // A constant of the same file (NO_MATCHING_TRANSITION), or the argument as it is ((reason: string) => reason).
      const constant = /^[A-Z][A-Z0-9_]*$/.test(msg) ? new RegExp(`const ${msg}\\s*=\\s*(?:'([^']*)'|"([^"]*)"|\`([^\`]*)\`)`).exec(text) : null;
      const passthrough = /^\((\w+): string\) => \1$/.test(msg);
      const message = literal ? literal[1] : template ? template[1] : constant ? (constant[1] ?? constant[2] ?? constant[3]) : passthrough ? '*(the problem found, in words)*' : msg;
      out.push({ code: m[1], status: Number(m[2]), message, file: file.replace(/\\/g, '/') });
    }
  }
  const seen = new Map<string, ErrorDef>();
  for (const e of out) if (!seen.has(e.code)) seen.set(e.code, e);
  return [...seen.values()].sort((a, b) => a.code.localeCompare(b.code));
}

const esc = (s: string) => s.replace(/\|/g, '\\|');

export function errorsDoc(): string {
  const rows = collectErrors().map((e) => `| \`${e.code}\` | ${e.status} | ${esc(e.message)} | \`${e.file}\` |`);
  return `# Errors

Every error weft answers with has a stable code, an HTTP status and a message. The body keeps the
shape of the contract the route belongs to — \`{"message": …}\` on the task API and most routes,
\`{"error": …}\` on the workflows API (\`/v1/workflows\`) and the endpoints API (\`/endpoints\`; their 403 carries
both, \`{"error":"Forbidden","message":"Forbidden"}\`, as issue 2 spells every route's), and
\`{"result": "failure", "message", "errors": [{code, message}]}\` on flow transitions — and the code always
travels in the \`weft-error-code\` response header. WebSocket protocols answer
\`{"request_id", "status", "errors": [{"code", "message"}], "data"}\`.

A 4xx is the caller's to fix; a 503 (\`WEFT_STORE_UNAVAILABLE\`, \`WEFT_SHUTTING_DOWN\`) may be retried
(a \`retry-after\` header says when). weft never answers bad input with a 5xx.

Whatever the route or socket, these are refused before anything reads them (400
\`WEFT_INPUT_REFUSED\`, in the route's body style; the endpoints API answers its own
\`WEFT_ENDPOINT_BODY_INVALID\`): JSON (or form fields) nested deeper than 512 levels,
and the character U+0000 (\`\\u0000\` in JSON, \`%00\` in a URL or form), which PostgreSQL's text cannot
hold — refused on SQLite too, so that both backends accept the same data; a lone UTF-16 surrogate
escape in JSON (\`"\\ud800"\`, not half of a pair), which the backends' text turned into different
replacement characters (I-JSON, RFC 7493, refuses it too); a number beyond the range of a double
(\`1e400\`), which JSON reads as infinity and would store as null; and in JSON, a key named
\`__proto__\` (or \`constructor\` holding \`prototype\`), which would reach an object's prototype (HTTP
bodies answer \`WEFT_INVALID_BODY\` for it, as Fastify's parser does). A JSON content type with an
empty body counts as no body. Bodies are JSON, except that the workflows API also takes form-encoded
ones: any other content type a route does not read is 415 \`WEFT_UNSUPPORTED_MEDIA_TYPE\` (endpoints
read their own). A plain GET or HEAD on a WebSocket route is 426 \`WEFT_UPGRADE_REQUIRED\`.

The table gives each code's usual status. \`WEFT_ENDPOINT_FAILED\` travels with the status of the
pipeline stage that failed: 400 most often, 500 for an input transform error or a single response
request that got no answer, a lookup's refused status as it came (see docs/endpoints.md).

This file is generated from the code by \`npm run docs\`; a test keeps it in step.

| code | status | message | defined in |
|---|---|---|---|
${rows.join('\n')}
`;
}

export function configurationDoc(): string {
  const rows = SETTINGS.map((s) => `| \`${s.env}\` | \`${s.flag}\` | \`${s.default || '(none)'}\` | ${esc(s.description)} |`);
  return `# Configuration

Every setting is an environment variable and the matching \`weft serve\` flag (the flag wins).
\`npm start\` honours the environment variables; \`weft serve --help\` lists the same table.
Settings are read once at start, validated, and frozen: a bad value stops the server with a clear message
(exit code 2), and so does an address it cannot listen on (a port in use: exit code 1).

| variable | flag | default | meaning |
|---|---|---|---|
${rows.join('\n')}

This file is generated from \`src/engine/settings.ts\` by \`npm run docs\`; a test keeps it in step.
`;
}

if (process.argv[1] && process.argv[1].endsWith('gen-docs.ts')) {
  writeFileSync('docs/errors.md', errorsDoc());
  writeFileSync('docs/configuration.md', configurationDoc());
  console.log('wrote docs/errors.md and docs/configuration.md');
}
