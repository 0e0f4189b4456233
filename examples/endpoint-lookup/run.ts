// An endpoint with a lookup: weft answers GET /patients/:id/summary by looking the patient up in a
// registry (a stand-in on loopback here), mapping the answer and remembering the lookup's time as state.
import { createServer } from 'node:http';
import { createClient } from '@weft/client';

const client = createClient({ url: process.env.WEFT_URL ?? 'http://127.0.0.1:8700', apiKey: process.env.WEFT_API_KEY!, workspace: 'examples' });

// The stand-in registry: one patient per id; it echoes the _since it was sent.
const registry = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://registry');
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ id: url.pathname.split('/')[2], name: 'Jane Doe', gender: 'F', birthDate: '1990-05-17T08:00:00Z', since: url.searchParams.get('_since') }));
});
await new Promise<void>((r) => registry.listen(0, '127.0.0.1', r));
const registryUrl = `http://127.0.0.1:${(registry.address() as { port: number }).port}`;

// Endpoint names are unique per workspace: replace the one a previous run left.
for (const old of await client.endpoints.list({ name: 'patient-summary' })) await client.endpoints.delete(old._id);

const endpoint = await client.endpoints.create({
  name: 'patient-summary',
  endpoint: { pattern: '/patients/:id/summary', method: 'GET' },
  transformation: { output: 'JSON' },
  requests: {
    lookup: [
      {
        id: 'registry',
        config: {
          method: 'get',
          url: `${registryUrl}/patients/:id`,
          params: {
            url: { id: { path: 'urlParams.id' } },
            query: { _since: { path: 'state.system.timestamps.lookupRequests.registry.requestStart' } },
          },
        },
      },
    ],
  },
  inputTransforms: { greeting: "'Hello, ' & lookupRequests.registry.data.name" },
  inputMapping: {
    'lookupRequests.registry.data.id': 'patient.id',
    'lookupRequests.registry.data.name': 'patient.name',
    'lookupRequests.registry.data.gender': { key: 'patient.gender', transform: { function: 'mapCodes', parameters: { F: 'female', M: 'male', default: 'unknown' } } },
    'lookupRequests.registry.data.birthDate': { key: 'patient.birthDate', transform: { function: 'dateTimeToDate' } },
    'lookupRequests.registry.data.since': 'patient.previousPoll',
    'transforms.greeting': 'patient.greeting',
  },
});
console.log(`created endpoint ${endpoint._id}`);

const first = await client.endpoints.call<{ patient: Record<string, unknown> }>('/patients/42/summary');
console.log(`first:  ${JSON.stringify(first.body)}`);
const second = await client.endpoints.call<{ patient: Record<string, unknown> }>('/patients/42/summary');
console.log(`second: ${JSON.stringify(second.body)}`);

registry.close();
