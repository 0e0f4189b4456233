// A task worker: enqueues a few `email.send` tasks, serves them, and stops once they are done.
// weft must list the type for external workers: WEFT_WORKER_TYPES=email.send.
import { createClient, createWorker, NonRetryableError } from '@weft/client';

const client = createClient({ url: process.env.WEFT_URL ?? 'http://127.0.0.1:8700', apiKey: process.env.WEFT_API_KEY!, workspace: 'examples' });

const ids: number[] = [];
for (const to of ['ada@example.com', 'grace@example.com', 'edsger@example.com']) {
  ids.push((await client.tasks.create({ name: `welcome ${to}`, type: 'email.send', payload: { to } })).id);
}

const worker = createWorker<{ to: string }, { sent: string }>({
  client,
  types: ['email.send'],
  concurrency: 10,
  handleSignals: true,
  handler: async (task, { signal }) => {
    if (!task.payload.to.includes('@')) throw new NonRetryableError('not an address');
    await new Promise((r) => setTimeout(r, 100)); // the work; `signal` aborts if the lease is lost
    return { sent: signal.aborted ? 'aborted' : task.payload.to };
  },
});

let done = 0;
worker.on('task:completed', async ({ task, result }) => {
  console.log(`completed task ${task.id}: ${JSON.stringify(result)}`);
  if (ids.includes(task.id) && ++done === ids.length) await worker.stop();
});
worker.on('error', ({ error }) => console.error('worker error:', error.message));
