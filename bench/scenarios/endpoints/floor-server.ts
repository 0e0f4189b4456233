// The floor of the endpoints scenario, run as its own process like weft: a hand-written Fastify
// handler doing what the weft endpoint does — the same lookup (undici, keep-alive), the same
// mapping (by hand) and the same state insert (better-sqlite3, WAL, the same `synchronous`, one
// autocommit per request as a hand-written service would). Env: FLOOR_UPSTREAM, FLOOR_SYNCHRONOUS,
// FLOOR_DB. Prints its port on stdout.
import Fastify from 'fastify';
import Database from 'better-sqlite3';
import { Pool } from 'undici';

const upstream = new Pool(process.env.FLOOR_UPSTREAM!, { connections: 32 });
const db = new Database(process.env.FLOOR_DB!);
db.pragma('journal_mode = WAL');
db.pragma(`synchronous = ${process.env.FLOOR_SYNCHRONOUS ?? 'FULL'}`);
db.exec(`CREATE TABLE IF NOT EXISTS endpoint_states (
  id INTEGER PRIMARY KEY, endpoint TEXT NOT NULL, lookup_status INTEGER, network_error INTEGER NOT NULL, record TEXT NOT NULL, created_at INTEGER NOT NULL)`);
const insert = db.prepare('INSERT INTO endpoint_states (endpoint, lookup_status, network_error, record, created_at) VALUES (?, ?, 0, ?, ?)');

const app = Fastify({ logger: false });
app.post<{ Params: { id: string }; Body: { code?: string } }>('/bench/enrich/:id', async (req) => {
  const start = Date.now();
  const res = await upstream.request({ path: `/patient/${encodeURIComponent(req.params.id)}`, method: 'GET' });
  const patient = (await res.body.json()) as { name: string; token: string };
  const end = Date.now();
  const out = { id: req.params.id, code: req.body?.code, name: patient.name };
  const record = { requestBody: { code: req.body?.code }, lookupRequests: { patient: { token: patient.token } }, system: { timestamps: { endpointStart: start, endpointEnd: end } } };
  insert.run('floor', res.statusCode, JSON.stringify(record), end);
  return out;
});
app.listen({ port: 0, host: '127.0.0.1' }).then(() => {
  const addr = app.server.address();
  process.stdout.write(`${typeof addr === 'object' && addr ? addr.port : 0}\n`);
});
process.on('SIGTERM', () => void app.close().then(() => (db.close(), process.exit(0))));
