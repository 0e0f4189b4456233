// A three-participant process: `review`, `approve` and `publish` are HTTP participants written with
// createParticipant on one node:http server; the process runs them in sequence, each merging its fields.
import { createServer } from 'node:http';
import { createClient, createParticipant } from '@weft/client';

const client = createClient({ url: process.env.WEFT_URL ?? 'http://127.0.0.1:8700', apiKey: process.env.WEFT_API_KEY!, workspace: 'examples' });
// The server's WEFT_WEBHOOK_SECRET; without one, deliveries are unsigned and accepted as they are.
const secret = process.env.WEFT_WEBHOOK_SECRET ?? null;

const participants = {
  review: createParticipant({ secret, handler: (d) => ({ reviewed: true, words: String(d.fields.text).split(' ').length }) }),
  approve: createParticipant({ secret, handler: (d) => ({ approved: Number(d.fields.words) < 100 }) }),
  publish: createParticipant({ secret, handler: (d) => ({ published_at: d.fields.approved ? new Date().toISOString() : null }) }),
};

const server = createServer((req, res) => {
  const name = req.url?.slice(1) as keyof typeof participants;
  const participant = participants[name];
  if (!participant) return void res.writeHead(404).end();
  return participant(req, res);
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;

const { id } = await client.workflows.launch({
  workflow: `
define name: 'article'
  sequence
    participant 'review'
    participant 'approve'
    participant 'publish'
`,
  callbacks: { review: `${base}/review`, approve: `${base}/approve`, publish: `${base}/publish` },
  fields: { text: 'weft runs long work durably' },
});
console.log(`launched ${id}`);

for (;;) {
  const wf = await client.workflows.get(id);
  if (wf.status !== 'running') {
    console.log(`process ${wf.status}: ${JSON.stringify(wf.fields)}`);
    break;
  }
  await new Promise((r) => setTimeout(r, 100));
}
server.close();
