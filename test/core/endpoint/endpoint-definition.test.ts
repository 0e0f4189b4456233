import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { applyMapping, compileEndpointDefinition, INVALID_URL_PARAMS_MESSAGE } from '../../../src/core/endpoint/index.js';

const reservedPrefixes = ['/endpoints', '/uptime', '/v1', '/ws', '/tasks'];
const compile = (input: unknown, update = false) => compileEndpointDefinition(input, { reservedPrefixes, update });

const base = {
  name: 'test',
  endpoint: { pattern: '/test' },
  transformation: { input: 'JSON', output: 'JSON' },
};

function reason(input: unknown): string {
  const r = compile(input);
  assert.equal(r.ok, false, 'expected the definition to be rejected');
  return (r as { reason: string }).reason;
}

describe('compileEndpointDefinition', () => {
  test('applies the mediator defaults and drops unknown fields', () => {
    const r = compile({ ...base, lastUpdated: 1, _id: 'x' });
    assert.ok(r.ok);
    assert.deepEqual(r.definition, {
      name: 'test',
      endpoint: { pattern: '/test', method: 'POST' },
      transformation: { input: 'JSON', output: 'JSON' },
      requests: { lookup: [], response: [] },
      state: { config: { networkErrors: 'no-filter', includeStatuses: [] } },
    });
  });

  test('keeps every known part of a full definition', () => {
    const input = {
      ...base,
      description: 'd',
      public: true,
      endpoint: { pattern: '/a/:id', method: 'PUT' },
      constants: { k: 1 },
      inputMapping: { 'requestBody.a': 'a' },
      inputTransforms: { t: '$sum([1,2])' },
      inputValidation: { type: 'object' },
      requests: {
        lookup: [
          {
            id: 'l1',
            forwardExistingRequestBody: true,
            allowedStatuses: ['2xx', 404],
            forEach: { items: 'payload.items', concurrency: 2 },
            config: { method: 'get', url: 'http://x/:id', headers: { a: 'b' }, params: { url: { id: { path: 'urlParams.id' } }, query: { q: { path: 'query.q', prefix: 'p', postfix: 's' } } } },
          },
        ],
        response: [{ id: 'r1', config: { method: 'post', url: 'http://y' } }],
      },
      state: { config: { networkErrors: 'exclude', includeStatuses: ['2xx', 201, '*'] }, extract: { query: { page: 'page' }, lookupRequests: { l1: { n: 'data.n' } } } },
    };
    const r = compile(input);
    assert.ok(r.ok, JSON.stringify(r));
    assert.equal(r.definition.public, true);
    assert.deepEqual(r.definition.requests.lookup[0].allowedStatuses, ['2xx', 404]);
    assert.deepEqual(r.definition.requests.lookup[0].config.params?.query?.q, { path: 'query.q', prefix: 'p', postfix: 's' });
    assert.deepEqual(r.definition.state, {
      config: { networkErrors: 'exclude', includeStatuses: ['2xx', '201', '*'] },
      extract: { query: { page: 'page' }, lookupRequests: { l1: { n: 'data.n' } } },
    });
  });

  test('an empty or non-object definition is invalid', () => {
    assert.equal(reason({}), 'Invalid endpoint object');
    assert.equal(reason(null), 'Invalid endpoint object');
    assert.equal(reason([base]), 'Invalid endpoint object');
  });

  test('required fields, in the mongoose message format', () => {
    assert.equal(
      reason({ endpoint: { pattern: '/x' }, transformation: { input: 'JSON' } }),
      'endpoint validation failed: name: Path `name` is required., transformation.output: Path `transformation.output` is required.',
    );
    assert.equal(reason({ ...base, name: '' }), 'endpoint validation failed: name: Path `name` is required.');
    assert.equal(reason({ ...base, endpoint: {} }), 'endpoint validation failed: endpoint.pattern: Path `endpoint.pattern` is required.');
  });

  test('an update words it "Validation failed"', () => {
    const r = compile({ ...base, transformation: { input: 'JSON', output: 'Invalid' } }, true);
    assert.equal(r.ok, false);
    assert.equal((r as { reason: string }).reason, 'Validation failed: transformation.output: `Invalid` is not a valid enum value for path `transformation.output`.');
  });

  test('name must be a string', () => {
    assert.equal(reason({ ...base, name: { a: 1 } }), 'endpoint validation failed: name: Cast to string failed for value "{"a":1}" at path "name"');
    const r = compile({ ...base, name: 42 });
    assert.ok(r.ok);
    assert.equal(r.definition.name, '42');
  });

  test('the input format is required for POST and PUT only', () => {
    const noInput = { ...base, transformation: { output: 'XML' } };
    assert.equal(reason(noInput), 'endpoint validation failed: transformation.input: Path `transformation.input` is required.');
    assert.equal(reason({ ...noInput, endpoint: { pattern: '/x', method: 'PUT' } }), 'endpoint validation failed: transformation.input: Path `transformation.input` is required.');
    assert.ok(compile({ ...noInput, endpoint: { pattern: '/x', method: 'GET' } }).ok);
    assert.ok(compile({ ...noInput, endpoint: { pattern: '/x', method: 'DELETE' } }).ok);
  });

  test('methods and formats are enums', () => {
    assert.equal(reason({ ...base, endpoint: { pattern: '/x', method: 'PATCH' } }), 'endpoint validation failed: endpoint.method: `PATCH` is not a valid enum value for path `endpoint.method`.');
    for (const f of ['JSON', 'XML', 'FHIR+JSON', 'JSON+OPENHIM']) assert.ok(compile({ ...base, transformation: { input: f, output: f } }).ok, f);
    assert.match(reason({ ...base, transformation: { input: 'CSV', output: 'JSON' } }), /`CSV` is not a valid enum value for path `transformation.input`/);
  });

  test('patterns: leading slash, allowed characters, reserved prefixes', () => {
    assert.equal(reason({ ...base, endpoint: { pattern: 'test' } }), 'endpoint validation failed: endpoint.pattern: Path `endpoint.pattern` is invalid (test).');
    assert.match(reason({ ...base, endpoint: { pattern: '/a b' } }), /is invalid \(\/a b\)/);
    for (const p of ['/endpoints', '/endpoints/x', '/uptime', '/v1/workflows', '/ws/tasks', '/tasks']) {
      assert.equal(reason({ ...base, endpoint: { pattern: p } }), `endpoint validation failed: endpoint.pattern: Path \`endpoint.pattern\` is invalid (${p}).`);
    }
    assert.ok(compile({ ...base, endpoint: { pattern: '/wsdl' } }).ok, 'a prefix reserves whole segments only');
    assert.ok(compile({ ...base, endpoint: { pattern: '/a-b/c.d/~e/$f_g' } }).ok);
  });

  test('url parameters must be named', () => {
    assert.equal(reason({ ...base, endpoint: { pattern: '/x/:' } }), INVALID_URL_PARAMS_MESSAGE);
    assert.equal(reason({ ...base, endpoint: { pattern: '/x/:/y' } }), INVALID_URL_PARAMS_MESSAGE);
    assert.equal(reason({ ...base, endpoint: { pattern: '/x/:id/y/:id' } }), INVALID_URL_PARAMS_MESSAGE);
    assert.equal(
      INVALID_URL_PARAMS_MESSAGE,
      'Invalid url parameters specified in pattern, url parameter specification format is "/:<PARAMETER_NAME>"',
    );
    assert.ok(compile({ ...base, endpoint: { pattern: '/x/:id/y/:code' } }).ok);
  });

  test('state status filters: a status, a range or *', () => {
    const withFilters = (includeStatuses: unknown[]) => ({ ...base, state: { config: { includeStatuses } } });
    assert.ok(compile(withFilters(['200', 201, '4xx', '*'])).ok);
    for (const bad of ['2x', '6xx', '20', 'abc', '700', '2XX', '']) {
      assert.match(reason(withFilters(['2xx', bad])), new RegExp(`state\\.config\\.includeStatuses\\.1: Invalid HTTP Status filter '${bad}'`), bad);
    }
    assert.equal(
      reason({ ...base, state: { config: { networkErrors: 'sometimes' } } }),
      'endpoint validation failed: state.config.networkErrors: `sometimes` is not a valid enum value for path `state.config.networkErrors`.',
    );
  });

  test('request shapes: id, url, params, forEach, allowedStatuses', () => {
    const withLookup = (lookup: unknown) => ({ ...base, requests: { lookup: [lookup] } });
    assert.match(reason(withLookup({ config: { url: 'http://x' } })), /requests\.lookup\.0\.id: Path `requests\.lookup\.0\.id` is required\./);
    assert.match(reason(withLookup({ id: 'a', config: {} })), /requests\.lookup\.0\.config\.url: Path `requests\.lookup\.0\.config\.url` is required\./);
    assert.match(reason(withLookup({ id: 'a', config: { url: '/relative' } })), /must be an absolute http\(s\) URL/);
    assert.match(reason(withLookup({ id: 'a', config: { url: 'http://x', method: 'FETCH' } })), /`FETCH` is not a valid HTTP method/);
    assert.match(
      reason(withLookup({ id: 'a', config: { url: 'http://x', params: { query: { q: { path: 'body.x' } } } } })),
      /requests\.lookup\.0\.config\.params\.query\.q\.path: Unsupported Query Parameter Extract Type: body/,
    );
    assert.match(reason(withLookup({ id: 'a', config: { url: 'http://x' }, forEach: {} })), /forEach\.items: Path `requests\.lookup\.0\.forEach\.items` is required/);
    assert.match(reason(withLookup({ id: 'a', config: { url: 'http://x' }, forEach: { items: 'payload.a', concurrency: 0 } })), /concurrency\` must be a positive integer/);
    assert.match(reason(withLookup({ id: 'a', config: { url: 'http://x' }, allowedStatuses: ['2xx', '99'] })), /allowedStatuses\.1: Invalid HTTP status '99'/);
    assert.match(
      reason({ ...base, requests: { response: [{ id: 'r', config: { url: 'http://x' } }, { id: 'r', config: { url: 'http://y' } }] } }),
      /requests\.response\.1\.id: Duplicate response request id 'r'/,
    );
  });

  test('inputValidation must be a valid JSON Schema', () => {
    assert.match(reason({ ...base, inputValidation: { type: 'nonsense' } }), /^endpoint validation failed: inputValidation: Invalid JSON Schema: /);
    assert.ok(compile({ ...base, inputValidation: { type: 'object', errorMessage: 'tolerated keyword' } }).ok);
  });

  test('inputTransforms must be JSONata expressions that parse', () => {
    assert.match(reason({ ...base, inputTransforms: { t: '$sum((' } }), /^endpoint validation failed: inputTransforms\.t: Invalid JSONata expression: /);
    assert.equal(
      reason({ ...base, inputTransforms: { t: ['x'] } }),
      'endpoint validation failed: inputTransforms.t: Cast to string failed for value "["x"]" at path "inputTransforms.t"',
    );
  });

  test('inputMapping may only name known functions', () => {
    assert.equal(
      reason({ ...base, inputMapping: { 'requestBody.a': { key: 'a', transform: { function: 'explode' } } } }),
      'endpoint validation failed: inputMapping: No function exists for key: explode',
    );
    assert.ok(compile({ ...base, inputMapping: { 'requestBody.a': [{ key: 'a', transform: { function: 'booleanify' } }, 'b'] } }).ok);
  });

  test('inputMapping paths may not be empty or reach a prototype', () => {
    const refused = (mapping: Record<string, unknown>, path: string) =>
      assert.equal(
        reason({ ...base, inputMapping: mapping }),
        `endpoint validation failed: inputMapping: Path ${JSON.stringify(path)} is not allowed: a mapping path must not be empty or name __proto__, constructor or prototype`,
      );
    refused({ 'requestBody.a': '__proto__.polluted' }, '__proto__.polluted');
    refused({ 'requestBody.a': 'x.constructor.prototype.y' }, 'x.constructor.prototype.y');
    refused({ 'requestBody.a': ['ok', { key: 'list[].prototype' }] }, 'list[].prototype');
    refused({ 'requestBody.constructor': 'x' }, 'requestBody.constructor');
    refused({ 'requestBody.a': '' }, '');
    // Names that merely contain the words are fine.
    assert.ok(compile({ ...base, inputMapping: { 'requestBody.constructorName': 'my_prototype.__proto__x' } }).ok);
  });
});

test('a name is at most 500 characters (PostgreSQL indexes it, and a longer one that did not compress was a 500 there)', () => {
  const long = '\u{1F600}'.repeat(250) + 'x'.repeat(2);
  assert.equal(long.length, 502);
  assert.equal(
    reason({ ...base, name: long }),
    `endpoint validation failed: name: Path \`name\` (\`${long.slice(0, 40)}…\`) is longer than the maximum allowed length (500).`,
  );
  assert.ok(compile({ ...base, name: 'n'.repeat(500) }).ok);
});

test('an inputMapping destination index is at most 10,000 (a[99999999] rendered 100 M nulls, 29 s of one request)', () => {
  for (const dest of ['a[0].b[99999999].c', ['ok', { key: 'x[10001]' }]]) {
    const path = Array.isArray(dest) ? 'x[10001]' : dest;
    assert.equal(
      reason({ ...base, inputMapping: { 'requestBody.a': dest } }),
      `endpoint validation failed: inputMapping: Path ${JSON.stringify(path)} is not allowed: a destination index must be at most 10000`,
    );
  }
  assert.ok(compile({ ...base, inputMapping: { 'requestBody.a': 'x[10000].y', 'requestBody.list[99999999]': 'z' } }).ok);
  // A definition stored before the check is refused when it maps.
  assert.throws(() => applyMapping({ a: 1 }, { a: 'b[20000]' }), /path "b\[20000\]" is not allowed/);
  assert.equal(JSON.stringify(applyMapping({ a: 1 }, { a: 'b[2].c' })), '{"b":[null,null,{"c":1}]}');
});

test('an inputMapping destination must be a key, an object with a key, or a list of them (else every request failed with a 500)', () => {
  for (const dest of [5, null, true, [], [5], { transform: { function: 'numberify' } }]) {
    const r = compile({ name: 'm', endpoint: { pattern: '/m' }, transformation: { input: 'JSON', output: 'JSON' }, inputMapping: { 'requestBody.a': dest } });
    assert.match(JSON.stringify(r), /The destination of \\"requestBody.a\\" must be a key/, JSON.stringify(dest));
  }
});
