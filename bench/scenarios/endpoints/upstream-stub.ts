// The lookup target of the endpoints scenario, run as its own process (node --import tsx …):
// GET /patient/:id → {"id", "name", "token"} at once. Prints its port on stdout.
import { createServer } from 'node:http';

let n = 0;
const server = createServer((req, res) => {
  const m = /^\/patient\/([^/?]+)/.exec(req.url ?? '');
  req.resume();
  if (!m) {
    res.writeHead(404).end();
    return;
  }
  const body = JSON.stringify({ id: m[1], name: 'Ada Lovelace', birthDate: '1815-12-10', token: `t${++n}` });
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const addr = server.address();
  process.stdout.write(`${typeof addr === 'object' && addr ? addr.port : 0}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
