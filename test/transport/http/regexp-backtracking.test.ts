// User-written regular expressions with catastrophic backtracking (`/^(a+)+$/` against "aaa…ab")
// answer at once instead of holding the node's event loop for hours (src/engine/linear-regexp.ts).
// The server runs in a child process so that, were it stuck, this test would time out and fail
// instead of hanging with it.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TEST_KEY } from '../../helpers/weft.js';
import { startChildWeft, type ChildWeft } from '../../helpers/child-weft.js';

const EVIL = `${'a'.repeat(40)}b`;

describe('catastrophic backtracking in user regexps', () => {
  let weft: ChildWeft;
  const dir = mkdtempSync(join(tmpdir(), 'weft-redos-'));
  const call = async (path: string, json: unknown) => {
    const res = await fetch(weft.url + path, {
      method: 'POST',
      headers: { 'x-api-key': TEST_KEY, 'content-type': 'application/json' },
      body: JSON.stringify(json),
      // Far longer than the answer takes; far shorter than 2^40 backtracks.
      signal: AbortSignal.timeout(20_000),
    });
    return { status: res.status, body: (await res.json()) as any };
  };

  before(async () => {
    weft = await startChildWeft({ WEFT_DATA_DIR: dir, WEFT_API_KEYS: TEST_KEY });
  });
  after(async () => {
    weft.child.kill('SIGKILL');
    await weft.exited;
    rmSync(dir, { recursive: true, force: true });
  });

  test('a flow condition', async () => {
    const flow = {
      identifier: 'greedy',
      name: 'greedy',
      steps: [{ identifier: 's1', name: 's1' }, { identifier: 's2', name: 's2' }],
      transitions: [{ identifier: 'check', from: 's1', to: 's2', condition: '${input.s} =~ /^(a+)+$/' }],
    };
    assert.equal((await call('/v1/flows', flow)).status, 201);
    const instance = await call('/v1/flow-instances', { flow: 'greedy', subject: 'mallory' });
    const no = await call(`/v1/flow-instances/${instance.body.id}/transitions`, { transition: 'check', input: { s: EVIL } });
    assert.equal(no.status, 409);
    const yes = await call(`/v1/flow-instances/${instance.body.id}/transitions`, { transition: 'check', input: { s: 'a'.repeat(40) } });
    assert.equal(yes.status, 200);
  });

  test('a process condition', async () => {
    const launched = await call('/v1/workflows', {
      workflow: "define\n  echo 'matched', if: '${f:s} =~ /^(a+)+$/'\n  echo 'done'",
      callback: 'http://127.0.0.1:9/',
      fields: { s: EVIL },
    });
    assert.equal(launched.status, 201);
    const res = await fetch(`${weft.url}/v1/workflows/${launched.body.id}`, { headers: { 'x-api-key': TEST_KEY }, signal: AbortSignal.timeout(20_000) });
    const wf = (await res.json()) as { status: string; trace: string[] };
    assert.deepEqual([wf.status, wf.trace], ['completed', ['done']]);
  });

  test('a JSONata transform of an endpoint', async () => {
    const endpoint = {
      name: 'greedy',
      endpoint: { pattern: '/greedy' },
      transformation: { input: 'JSON', output: 'JSON' },
      inputTransforms: { matched: '$contains(requestBody.s, /^(a+)+$/)' },
      inputMapping: { 'transforms.matched': 'matched' },
    };
    assert.equal((await call('/endpoints', endpoint)).status, 201);
    const r = await call('/greedy', { s: EVIL });
    assert.deepEqual([r.status, r.body], [200, { matched: false }]);
  });

  test('patterns only the backtracking engine runs (backreferences, lookarounds) are refused where they are written', async () => {
    const flow = {
      identifier: 'backref',
      name: 'backref',
      steps: [{ identifier: 's1', name: 's1' }, { identifier: 's2', name: 's2' }],
      transitions: [{ identifier: 'check', from: 's1', to: 's2', condition: '${input.s} =~ /^(a+)+\\1$/' }],
    };
    const refused = await call('/v1/flows', flow);
    assert.equal(refused.status, 400);
    assert.match(JSON.stringify(refused.body), /backreferences and lookarounds are not accepted/);
    const launched = await call('/v1/workflows', {
      workflow: ['define', {}, [['echo', { matched: null, if: '${f:s} =~ /^(a+)+\\1$/' }, []], ['echo', { done: null }, []]]],
      callback: 'http://127.0.0.1:9/',
      fields: { s: `${'a'.repeat(40)}!` },
    });
    assert.equal(launched.status, 201);
    const res = await fetch(`${weft.url}/v1/workflows/${launched.body.id}`, { headers: { 'x-api-key': TEST_KEY }, signal: AbortSignal.timeout(20_000) });
    const wf = (await res.json()) as { status: string; errors: Array<{ message: string }> };
    assert.equal(wf.status, 'error');
    assert.match(wf.errors[0].message, /backreferences and lookarounds are not accepted/);
    const endpoint = await call('/endpoints', { name: 'backref', endpoint: { pattern: '/backref' }, transformation: { input: 'JSON', output: 'JSON' }, inputTransforms: { m: '$contains(requestBody.s, /(a+)+\\1/)' } });
    assert.equal(endpoint.status, 400);
    assert.match(endpoint.body.error, /backreferences and lookarounds are not accepted/);
  });
});
