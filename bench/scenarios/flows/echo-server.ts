// The transport floor of the flows scenario, run as its own process like weft: a WebSocket server
// that answers every envelope frame at once, with a reply of the shape and size of weft's answer to a
// transition, and stores nothing. The open loop against it shows what the load generator, the
// sockets and the machine's scheduling alone cost in latency. Prints its port on stdout.
import { WebSocketServer } from 'ws';

let seq = 0;

const server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
server.on('connection', (socket) =>
  socket.on('message', (raw) => {
    const req = JSON.parse(raw.toString()) as { request_id: unknown; data?: { flow_instance_id?: string } };
    const at = new Date().toISOString();
    const id = req.data?.flow_instance_id ?? null;
    socket.send(
      JSON.stringify({
        request_id: req.request_id,
        status: 200,
        errors: [],
        data: {
          result: 'success',
          message: null,
          flow_instance_id: id,
          step_schema_id: null,
          transition_schema_identifier: 'next',
          instance: { id, flow: 'bench-cycle', version: 1, subject: 'k32-c0-i0', state: 'active', steps: { start: 'completed', a: 'completed', b: 'active' }, data: {}, seq: ++seq, active_steps: ['b'], created_at: at, updated_at: at },
        },
      }),
    );
  }),
);
server.on('listening', () => {
  const addr = server.address();
  process.stdout.write(`${typeof addr === 'object' && addr ? addr.port : 0}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
