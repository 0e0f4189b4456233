import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SETTINGS } from '../../../src/engine/settings.js';
import { runWeft, startChildWeft } from '../../helpers/child-weft.js';
import { eventually } from '../../helpers/weft.js';

function run(args: string[], env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = runWeft(args, env);
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    child.on('exit', (code) => resolve({ code, out }));
  });
}

test('weft serve --help lists every setting with its default', async () => {
  const { code, out } = await run(['serve', '--help'], {});
  assert.equal(code, 0);
  for (const s of SETTINGS) {
    assert.ok(out.includes(s.flag), s.flag);
    assert.ok(out.includes(s.env), s.env);
  }
  assert.match(out, /default: 8700/);
});

test('migrate and keys list in their help only where the database is, and accept the other settings', async () => {
  for (const args of [['migrate', '--help'], ['keys', 'create', '--help'], ['keys', 'revoke', '--help']]) {
    const { code, out } = await run(args, {});
    assert.equal(code, 0);
    for (const flag of ['--data-dir', '--database-url', '--database-schema', '--sqlite-synchronous']) assert.ok(out.includes(flag), `${args} ${flag}`);
    for (const flag of ['--port', '--task-types', '--webhook-secret']) assert.ok(!out.includes(flag), `${args} ${flag}`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'weft-cli-'));
  const { code, out } = await run(['migrate', '--port', '9999', '--data-dir', dir], {});
  assert.equal(code, 0, out);
  // No key yet: said, not an empty silence.
  const none = await run(['keys', 'list', '--data-dir', dir], {});
  assert.equal(none.code, 0);
  assert.match(none.out, /no API keys/);
  rmSync(dir, { recursive: true, force: true });
});

test('a bad setting stops weft with a clear message', async () => {
  const { code, out } = await run(['serve'], { WEFT_PORT: 'eighty' });
  assert.equal(code, 2);
  assert.match(out, /WEFT_PORT must be an integer/);
  // Given as a flag, it is named as the flag.
  const flagged = await run(['serve', '--port', 'eighty'], {});
  assert.equal(flagged.code, 2);
  assert.match(flagged.out, /weft: --port must be an integer between 0 and 65535, got "eighty"/);
});

test('numbers are decimal integers, times fit a timer, URLs and secrets are checked: each a clear message and exit 2', async () => {
  for (const [env, message] of [
    [{ WEFT_PORT: '0x22A6' }, /WEFT_PORT must be an integer/],
    [{ WEFT_PORT: '1e3' }, /WEFT_PORT must be an integer/],
    [{ WEFT_HTTP_TIMEOUT_MS: '3000000000' }, /WEFT_HTTP_TIMEOUT_MS must be an integer between 1 and 2147483647/],
    [{ WEFT_CALLBACK_TIMEOUT_MS: '3000000000' }, /WEFT_CALLBACK_TIMEOUT_MS must be an integer between 1 and 2147483647/],
    [{ WEFT_TASK_TYPES: 'slow.job:20000000' }, /WEFT_TASK_TYPES entries are type:max-seconds \(at most 2147483\)/],
    [{ WEFT_CALLBACK_RETRY_DELAYS: '1e20' }, /WEFT_CALLBACK_RETRY_DELAYS must be a positive number of at most 31536000/],
    [{ WEFT_CALLBACK_RETRY_DELAYS: ',' }, /WEFT_CALLBACK_RETRY_DELAYS must list at least one delay/],
    [{ WEFT_PUBLIC_URL: 'not-a-url' }, /WEFT_PUBLIC_URL must be an http:\/\/ or https:\/\/ URL/],
    [{ WEFT_WEBHOOK_SECRET: 'whsec_a' }, /WEFT_WEBHOOK_SECRET must be whsec_ followed by the base64 of a key/],
    [{ WEFT_WEBHOOK_SECRET: 'whsec_====' }, /WEFT_WEBHOOK_SECRET must be whsec_ followed by the base64 of a key/],
    [{ WEFT_DATABASE_URL: 'postgres://127.0.0.1:99999/x' }, /WEFT_DATABASE_URL is not a valid URL/],
    [{ WEFT_HTTP_ALLOW_HOSTS: 'api.example.org, http://x y' }, /WEFT_HTTP_ALLOW_HOSTS entries are host, host:port or \*\.domain, got "http:\/\/x y"/],
  ] as const) {
    const { code, out } = await run(['serve'], env);
    assert.equal(code, 2, `${JSON.stringify(env)}: ${out}`);
    assert.match(out, message);
  }
});

test('a data folder that cannot be made is one line, not a stack trace', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'weft-cli-'));
  try {
    const file = join(dir, 'a-file');
    writeFileSync(file, '');
    const { code, out } = await run(['serve'], { WEFT_DATA_DIR: file, WEFT_PORT: '0' });
    assert.equal(code, 1);
    assert.match(out, /^weft: .*EEXIST/m);
    assert.doesNotMatch(out, /\n\s+at /, 'no stack trace');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a database URL that is not PostgreSQL is a bad setting, not a quiet start on SQLite', async () => {
  const { code, out } = await run(['serve'], { WEFT_DATABASE_URL: 'mysql://user:secret@db.example/weft' });
  assert.equal(code, 2);
  assert.match(out, /WEFT_DATABASE_URL must start with postgres:\/\/ or postgresql:\/\//);
  assert.doesNotMatch(out, /secret/, 'the password is not printed');
});

test('a PostgreSQL that cannot be reached at start stops weft with one line, not a stack trace', async () => {
  const { code, out } = await run(['serve'], { WEFT_DATABASE_URL: 'postgres://postgres@127.0.0.1:1/test', WEFT_PORT: '0' });
  assert.equal(code, 1);
  assert.match(out, /^weft: the database is unavailable \(connect ECONNREFUSED 127\.0\.0\.1:1\)$/m);
  assert.doesNotMatch(out, /\n\s+at /, 'no stack trace');
});

test('a port already in use stops weft with one line saying so, not a stack trace', async () => {
  const holder = createServer();
  holder.listen(0, '127.0.0.1');
  await once(holder, 'listening');
  const port = (holder.address() as { port: number }).port;
  const dir = mkdtempSync(join(tmpdir(), 'weft-cli-'));
  try {
    const { code, out } = await run(['serve'], { WEFT_DATA_DIR: dir, WEFT_HOST: '127.0.0.1', WEFT_PORT: String(port) });
    assert.equal(code, 1);
    assert.match(out, new RegExp(`weft: cannot listen on 127\\.0\\.0\\.1:${port}: the address is in use`));
    assert.doesNotMatch(out, /\n\s+at /, 'no stack trace');
    // The key made at this first start is stored: it is shown, or it would never be.
    assert.match(out, /No API key existed, so weft created one/);
    assert.match(out, KEY);
  } finally {
    holder.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('one weft serves a SQLite data folder: a second start on it refuses while the first lives, and one left by a kill -9 is taken over', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'weft-cli-'));
  const children: Array<{ kill(signal?: NodeJS.Signals): boolean }> = [];
  try {
    const env = { WEFT_DATA_DIR: dir };
    const first = await startChildWeft(env);
    children.push(first.child);
    const second = await run(['serve'], { ...env, WEFT_PORT: '0' });
    assert.equal(second.code, 1);
    assert.match(second.out, new RegExp(`^weft: another weft \\(pid ${first.child.pid}\\) serves `, 'm'));
    assert.equal((await fetch(`${first.url}/healthz`)).status, 200, 'the first serves on');
    // Beside a server, migrate and keys still run.
    assert.equal((await run(['migrate'], env)).code, 0);
    first.child.kill('SIGKILL');
    await first.exited;
    const third = await startChildWeft(env);
    children.push(third.child);
    assert.equal((await fetch(`${third.url}/healthz`)).status, 200);
    third.child.kill('SIGTERM');
    assert.equal((await third.exited).code, 0);
    assert.ok(!existsSync(join(dir, 'weft.lock')), 'a clean stop leaves no lock');
  } finally {
    for (const child of children) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

// A key as printed: no \b after it, which a key ending in "-" (1 in 64) does not have.
const KEY = /\b(weft_[A-Za-z0-9_-]{20,})/;

test('first start prints a generated key once; keys create|list|revoke and migrate work on the same data', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'weft-cli-'));
  // A server left running by a failed assertion would keep the test file from ending.
  const children: Array<{ kill(signal?: NodeJS.Signals): boolean }> = [];
  try {
    const env = { WEFT_DATA_DIR: dir, WEFT_API_KEYS: '' };
    const first = await startChildWeft(env);
    children.push(first.child);
    await new Promise((r) => setTimeout(r, 200));
    const key = KEY.exec(first.output())?.[1];
    assert.ok(key, `a key is printed:\n${first.output()}`);
    assert.equal((await fetch(`${first.url}/tasks`, { headers: { 'x-api-key': key } })).status, 200);
    first.child.kill('SIGTERM');
    assert.equal((await first.exited).code, 0);

    const second = await startChildWeft(env);
    children.push(second.child);
    await new Promise((r) => setTimeout(r, 200));
    assert.doesNotMatch(second.output(), /weft_[A-Za-z0-9_-]{20,}/, 'printed only at first start');
    second.child.kill('SIGTERM');
    await second.exited;

    const created = await run(['keys', 'create', '--name', 'ci'], env);
    assert.equal(created.code, 0);
    const newKey = KEY.exec(created.out)?.[1];
    assert.ok(newKey);
    const listed = await run(['keys', 'list'], env);
    assert.match(listed.out, /ci/);
    assert.ok(!listed.out.includes(newKey!), 'keys are stored hashed and never listed');
    const revoked = await run(['keys', 'revoke', newKey!.slice(0, 10)], env);
    assert.equal(revoked.code, 0);
    assert.match(revoked.out, /revoked 1/);
    const migrated = await run(['migrate'], env);
    assert.equal(migrated.code, 0);
    assert.match(migrated.out, /up to date/);
  } finally {
    for (const child of children) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the server bundle (npm run build:server) migrates, serves the API and the dashboard, and calls out', async () => {
  // Built to a file of its own, so that the bundle bin/weft.js may be running elsewhere is left alone.
  const bundle = join('dist', `weft-test-${process.pid}.cjs`);
  const dir = mkdtempSync(join(tmpdir(), 'weft-bundle-'));
  const built = spawnSync(process.execPath, ['scripts/build-server.mjs', bundle], { encoding: 'utf8' });
  assert.equal(built.status, 0, built.stderr);
  let callbacks = 0;
  const hook = createServer((req, res) => {
    callbacks++;
    res.writeHead(200).end();
  }).listen(0, '127.0.0.1');
  await once(hook, 'listening');
  const hookUrl = `http://127.0.0.1:${(hook.address() as { port: number }).port}/hook`;
  let child: { kill(signal?: NodeJS.Signals): boolean } | null = null;
  try {
    // Started as the other children are: on a port it is seen serving on (its /healthz names it), so
    // that a port another test's server took first is not mistaken for it.
    const started = await startChildWeft({ WEFT_DATA_DIR: dir, WEFT_API_KEYS: 'bundle-key' }, 20000, bundle);
    child = started.child;
    const url = started.url;
    const headers = { 'x-api-key': 'bundle-key', 'content-type': 'application/json' };
    const created = await fetch(`${url}/tasks`, { method: 'POST', headers, body: JSON.stringify({ name: 'n', type: 'gx.tiny' }) });
    assert.equal(created.status, 200);
    assert.equal(((await created.json()) as { task: { id: number } }).task.id, 1);
    const ui = await fetch(`${url}/ui/`);
    assert.equal(ui.status, 200);
    assert.match(await ui.text(), /<div id="root">/);
    // A participant callback goes out through the lazily loaded HTTP client.
    const launched = await fetch(`${url}/v1/workflows`, { method: 'POST', headers, body: JSON.stringify({ workflow: ['define', {}, [['participant', { ref: 'alpha' }, []]]], callback: hookUrl }) });
    assert.equal(launched.status, 201);
    const { id } = (await launched.json()) as { id: string };
    assert.match(id, /^\d{8}-\d{4}-/);
    await eventually(() => callbacks, (n) => n === 1, 10000, 'the participant callback');
  } finally {
    child?.kill('SIGKILL');
    hook.close();
    rmSync(bundle, { force: true });
    rmSync(dir, { recursive: true, force: true });
  }
});
