import { test, describe, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import { sqliteBackend } from '../helpers/backends.js';
import { freePort } from '../helpers/child-weft.js';
import { eventually, freshDatabase, startWeft, TEST_KEY, type Database, type RunningWeft } from '../helpers/weft.js';
import { createClient, createParticipant, createWebhookVerifier, type ParticipantHandler, type WeftClient } from '../../packages/client/src/index.js';

const SECRET = `whsec_${randomBytes(24).toString('base64')}`;

/** A loopback server in front of a participant; it also keeps what it received and answered. */
async function serve(participant: ParticipantHandler) {
  const seen: { headers: Record<string, string>; body: string; status: number }[] = [];
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString();
    const r = await participant.handle(req.headers, body);
    seen.push({ headers: req.headers as Record<string, string>, body, status: r.status });
    res.writeHead(r.status, { 'content-type': 'application/json' }).end(JSON.stringify(r.body));
    await r.done;
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/participant`;
  return { url, seen, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/** The participant mounted as it is on node:http, with nothing in front. */
async function serveDirect(participant: ParticipantHandler) {
  const server: Server = createServer(participant);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/participant`;
  return { url, close: () => new Promise<void>((r) => server.close(() => r())) };
}

const twoSteps = ['define', { name: 'review' }, [['participant', { ref: 'alpha' }, []], ['participant', { ref: 'bravo' }, []]]];

describe('createParticipant against a real weft (SQLite, signed deliveries, fast retries)', () => {
  let db: Database;
  let weft: RunningWeft;
  let client: WeftClient;
  before(async () => {
    db = freshDatabase(sqliteBackend);
    // A known port, so that proceed_url (WEFT_PUBLIC_URL) points at this server.
    const port = await freePort();
    weft = await startWeft(db, { WEFT_PORT: String(port), WEFT_PUBLIC_URL: `http://127.0.0.1:${port}`, WEFT_WEBHOOK_SECRET: SECRET, WEFT_CALLBACK_RETRY_DELAYS: '0.1,0.1,0.1,0.1' });
    client = createClient({ url: weft.url, apiKey: TEST_KEY, workspace: 'participants' });
  });
  after(async () => {
    await weft.stop();
    await db.cleanup();
  });

  test('verifies, runs the handler and proceeds with the returned fields merged (mounted on node:http)', async () => {
    const calls: string[] = [];
    const p = await serveDirect(
      createParticipant({
        secret: SECRET,
        handler: (d) => {
          calls.push(`${d.participant}:${JSON.stringify(d.fields.params)}`);
          return { [`${d.participant}_done`]: true };
        },
      }),
    );
    const { id } = await client.workflows.launch({ workflow: twoSteps, callback: p.url, fields: { doc: 'q3.pdf' } });
    const wf = await eventually(() => client.workflows.get(id), (w) => w.status !== 'running', 10_000, 'the process to end');
    assert.equal(wf.status, 'completed');
    assert.deepEqual(wf.fields, { doc: 'q3.pdf', alpha_done: true, bravo_done: true });
    assert.deepEqual(calls, ['alpha:{"ref":"alpha"}', 'bravo:{"ref":"bravo"}']);
    await p.close();
  });

  test('mounted in Fastify (the body kept as a string) through participant.handle', async () => {
    const { default: Fastify } = await import('fastify');
    const app = Fastify();
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => done(null, body));
    const participant = createParticipant({ secret: SECRET, handler: (d) => ({ via: `fastify:${d.participant}` }) });
    app.post('/participants', async (req, reply) => {
      const r = await participant.handle(req.headers, req.body as string);
      return reply.code(r.status).send(r.body);
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}/participants`;
      const { id } = await client.workflows.launch({ workflow: ['define', {}, [['participant', { ref: 'alpha' }, []]]], callback: url });
      const wf = await eventually(() => client.workflows.get(id), (w) => w.status === 'completed', 10_000, 'the process to complete');
      assert.deepEqual(wf.fields, { via: 'fastify:alpha' });
    } finally {
      await app.close();
    }
  });

  test('a wrong secret rejects the delivery (401) and the server retries it', async () => {
    let ran = 0;
    const wrong = `whsec_${randomBytes(24).toString('base64')}`;
    const p = await serve(createParticipant({ secret: wrong, handler: () => void ran++ }));
    const { id } = await client.workflows.launch({ workflow: twoSteps, callback: p.url });
    await eventually(() => p.seen.length, (n) => n >= 3, 10_000, 'three delivery attempts');
    assert.ok(p.seen.every((s) => s.status === 401));
    assert.equal(new Set(p.seen.map((s) => s.headers['webhook-id'])).size, 1, 'retries of one delivery keep its webhook-id');
    assert.equal(ran, 0);
    const wf = await client.workflows.get(id);
    assert.equal(wf.workitems[0].delivery?.state, 'pending');
    assert.ok((wf.workitems[0].delivery?.attempts ?? 0) >= 2);
    assert.match(wf.workitems[0].delivery?.last_error ?? '', /401/);
    await client.workflows.kill(id);
    await p.close();
  });

  test('a handler that throws answers 500: the server delivers again and the second attempt proceeds', async () => {
    let attempts = 0;
    const p = await serve(
      createParticipant({
        secret: SECRET,
        handler: (d) => {
          if (d.participant === 'alpha' && ++attempts === 1) throw new Error('database down');
          return { ok: d.participant };
        },
      }),
    );
    const { id } = await client.workflows.launch({ workflow: twoSteps, callback: p.url });
    const wf = await eventually(() => client.workflows.get(id), (w) => w.status !== 'running', 10_000, 'the process to end');
    assert.equal(wf.status, 'completed');
    assert.equal(attempts, 2);
    assert.deepEqual(p.seen.map((s) => s.status), [500, 200, 200]);
    await p.close();
  });

  test('a duplicate delivery (same webhook-id) is recognised and not handled twice', async () => {
    let ran = 0;
    const participant = createParticipant({ secret: SECRET, handler: () => void ran++ });
    const p = await serve(participant);
    const { id } = await client.workflows.launch({ workflow: ['define', {}, [['participant', { ref: 'alpha' }, []]]], callback: p.url });
    await eventually(() => client.workflows.get(id), (w) => w.status === 'completed', 10_000, 'the process to complete');
    const first = p.seen[0];
    const again = await participant.handle(first.headers, first.body);
    assert.equal(again.status, 200);
    assert.deepEqual(again.body, { duplicate: true });
    assert.equal(ran, 1);
    await p.close();
  });

  test('a slow handler is acknowledged at once (202) and proceeds when done', async () => {
    const p = await serve(
      createParticipant({
        secret: SECRET,
        ackTimeoutMs: 50,
        handler: async () => {
          await new Promise((r) => setTimeout(r, 300));
          return { slow: true };
        },
      }),
    );
    const { id } = await client.workflows.launch({ workflow: ['define', {}, [['participant', { ref: 'alpha' }, []]]], callback: p.url });
    const wf = await eventually(() => client.workflows.get(id), (w) => w.status === 'completed', 10_000, 'the process to complete');
    assert.deepEqual(wf.fields, { slow: true });
    assert.deepEqual(p.seen.map((s) => s.status), [202]);
    await p.close();
  });

  test('cancel deliveries go to onCancel; proceedLater hands proceeding over to the caller', async () => {
    const cancelled: string[] = [];
    let later: ((f?: Record<string, unknown>) => Promise<void>) | null = null;
    const p = await serve(
      createParticipant({
        secret: SECRET,
        handler: (_d, ctx) => {
          later = ctx.proceedLater();
        },
        onCancel: (d) => void cancelled.push(`${d.status}:${d.participant}`),
      }),
    );
    const { id } = await client.workflows.launch({ workflow: ['define', {}, [['participant', { ref: 'alpha' }, []], ['participant', { ref: 'bravo' }, []]]], callback: p.url });
    await eventually(() => later, (l) => l !== null, 10_000, 'alpha reached');
    await new Promise((r) => setTimeout(r, 100));
    assert.equal((await client.workflows.get(id)).workitems[0].participant, 'alpha', 'not proceeded while the caller holds it');
    await later!({ approved: true });
    later = null;
    await eventually(() => later, (l) => l !== null, 10_000, 'bravo reached');
    await client.workflows.cancel(id);
    await eventually(() => cancelled, (c) => c.length === 1, 10_000, 'the cancel delivery');
    assert.deepEqual(cancelled, ['cancel:bravo']);
    const wf = await client.workflows.get(id);
    assert.equal(wf.status, 'cancelled');
    await p.close();
  });
});

describe('signature checks without a server', () => {
  const body = JSON.stringify({ workflow_id: 'w', workitem_id: 'i', participant: 'alpha', status: 'active', fields: {}, proceed_url: 'http://127.0.0.1:1/none' });

  test('a signature made with the secret is accepted; an old timestamp, a changed body or a missing header are refused', async () => {
    const verifier = createWebhookVerifier(SECRET);
    const now = Math.floor(Date.now() / 1000);
    const sig = `v1,${await verifier.sign('msg_1', String(now), new TextEncoder().encode(body))}`;
    assert.deepEqual(await verifier.verify({ id: 'msg_1', timestamp: String(now), signature: `v1,bogus ${sig}` }, new TextEncoder().encode(body)), { ok: true });
    assert.equal((await verifier.verify({ id: 'msg_1', timestamp: String(now), signature: sig }, new TextEncoder().encode(body + ' '))).ok, false);
    const old = String(now - 301);
    const oldSig = `v1,${await verifier.sign('msg_1', old, new TextEncoder().encode(body))}`;
    const stale = await verifier.verify({ id: 'msg_1', timestamp: old, signature: oldSig }, new TextEncoder().encode(body));
    assert.deepEqual(stale, { ok: false, reason: 'webhook-timestamp is outside the tolerance' });
    assert.equal((await verifier.verify({ id: 'msg_1', timestamp: String(now), signature: undefined }, new TextEncoder().encode(body))).ok, false);
  });

  test('the participant answers 401 to a replay outside the tolerance and never runs the handler', async () => {
    let ran = 0;
    const participant = createParticipant({ secret: SECRET, handler: () => void ran++ });
    const old = String(Math.floor(Date.now() / 1000) - 600);
    const sig = `v1,${await createWebhookVerifier(SECRET).sign('msg_2', old, new TextEncoder().encode(body))}`;
    const r = await participant.handle({ 'webhook-id': 'msg_2', 'webhook-timestamp': old, 'webhook-signature': sig }, body);
    assert.equal(r.status, 401);
    assert.equal(ran, 0);
  });

  test('secret is required; null accepts unsigned deliveries', async () => {
    assert.throws(() => createParticipant({ handler: () => {} } as never), /secret is required/);
    const participant = createParticipant({ secret: null, handler: (_d, ctx) => void ctx.proceedLater() });
    const r = await participant.handle({}, body);
    assert.equal(r.status, 200);
  });
});
