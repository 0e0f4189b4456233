// The onboarding flow driven from a browser page: identify the visitor, start (or resume) their
// instance, subscribe to its changes and fire `complete` transitions over /ws/flows.
import { createClient, WeftError, type FlowInstance } from '@weft/client';

declare const __WEFT_API_KEY__: string;
const $ = (id: string) => document.getElementById(id)!;

const client = createClient({ url: location.origin, apiKey: __WEFT_API_KEY__, workspace: 'examples' });
const subject = new URLSearchParams(location.search).get('subject') ?? `visitor-${Math.random().toString(36).slice(2, 8)}`;
$('subject').textContent = subject;

// The flow is defined once (a later definition would add a version).
await client.flows.get('onboarding').catch(async (err) => {
  if (!(err instanceof WeftError) || err.status !== 404) throw err;
  await client.flows.define({
    identifier: 'onboarding',
    name: 'Onboarding',
    steps: [{ identifier: 'welcome' }, { identifier: 'profile' }, { identifier: 'tour' }, { identifier: 'done' }],
    transitions: [
      { identifier: 'complete', from: 'welcome', to: 'profile' },
      { identifier: 'complete', from: 'profile', to: 'tour' },
      { identifier: 'complete', from: 'tour', to: 'done' },
    ],
  });
});

const flows = client.flows.connect();
const existing = (await flows.identify({ subject, properties: { agent: navigator.userAgent.slice(0, 60) } })).instances.find((i) => i.flow === 'onboarding');
let instance: FlowInstance = existing ?? (await flows.start({ flow: 'onboarding', subject }));

function render(i: FlowInstance) {
  instance = i;
  $('state').textContent = i.state;
  $('steps').innerHTML = Object.entries(i.steps).map(([step, state]) => `<li class="${state}">${step} — ${state}</li>`).join('');
  ($('complete') as HTMLButtonElement).disabled = i.state !== 'active';
}
render(instance);

const unsubscribe = flows.subscribe({ flowInstanceId: instance.id }, (i) => {
  $('log').textContent += `seq ${i.seq}: active ${JSON.stringify(i.active_steps)} (${i.state})\n`;
  render(i);
});
await unsubscribe.ready;

$('complete').addEventListener('click', async () => {
  try {
    await flows.transition({ flowInstanceId: instance.id, transition: 'complete' });
  } catch (err) {
    $('log').textContent += `failed: ${(err as Error).message}\n`;
  }
});
flows.on('close', () => ($('state').textContent += ' (reconnecting…)'));
flows.on('open', () => render(instance));
