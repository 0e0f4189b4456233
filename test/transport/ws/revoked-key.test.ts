import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import WebSocket from 'ws';
import { backends } from '../../helpers/backends.js';
import { useWeft, TEST_KEY } from '../../helpers/weft.js';

// A key revoked while its sockets are open: they are closed (1008) within the key cache's 5 s, as
// its HTTP requests are refused within it. Sockets of other keys stay.

for (const backend of await backends()) {
  describe(`a revoked key's sockets on ${backend.name}`, () => {
    const weft = useWeft(backend);

    test('every socket opened with a key is closed 1008 once the key is revoked; other keys\' sockets stay open', async () => {
      const { key, record } = await weft.engine.auth.createKey('to revoke');
      const open = async (path: string, k: string) => {
        const ws = new WebSocket(`${weft.wsUrl}${path}?api_key=${encodeURIComponent(k)}`);
        await once(ws, 'open');
        return ws;
      };
      const paths = ['/ws/tasks', '/ws/workers', '/ws/flows', '/ws/events'];
      const doomed = await Promise.all(paths.map((p) => open(p, key)));
      const kept = await open('/ws/flows', TEST_KEY);
      const closes = doomed.map((ws) => once(ws, 'close') as Promise<[number, Buffer]>);
      assert.equal(await weft.engine.store.auth.revokeKey(record.id, Date.now()), 1);
      const codes = await Promise.all(closes);
      for (const [i, [code, reason]] of codes.entries()) {
        assert.equal(code, 1008, paths[i]);
        assert.equal(reason.toString(), 'the API key was revoked');
      }
      assert.equal(kept.readyState, WebSocket.OPEN);
      kept.close();
      // And the key no longer opens one.
      const refused = new WebSocket(`${weft.wsUrl}/ws/flows?api_key=${encodeURIComponent(key)}`);
      const [, res] = (await once(refused, 'unexpected-response')) as [unknown, { statusCode: number }];
      assert.equal(res.statusCode, 403);
    });
  });
}
