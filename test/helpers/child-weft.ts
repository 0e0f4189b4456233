import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { randomBytes } from 'node:crypto';

/** A free TCP port on 127.0.0.1 (bound, then released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

export interface ChildWeft {
  child: ChildProcess;
  url: string;
  port: number;
  output(): string;
  /** Resolves with the exit code (or signal). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Runs `weft <args>` as a real child process, through bin/weft.js as `npm start` does (the bundle
 * when it is fresh), or through `entry` (a server bundle built elsewhere).
 */
export function runWeft(args: string[], env: Record<string, string>, entry = 'bin/weft.js'): ChildProcess {
  return spawn(process.execPath, [entry, ...args], {
    env: { ...process.env, WEFT_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/**
 * Starts `weft serve` in a child process and waits until /healthz answers. A port it picked itself
 * can be taken by another process between freePort() and the child's bind: then it picks another.
 */
export async function startChildWeft(env: Record<string, string>, timeoutMs = 20000, entry?: string): Promise<ChildWeft> {
  if (env.WEFT_PORT) return startOn(Number(env.WEFT_PORT), env, timeoutMs, entry);
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOn(await freePort(), env, timeoutMs, entry);
    } catch (err) {
      if (attempt >= 3 || !/the address is in use/.test((err as Error).message)) throw err;
    }
  }
}

async function startOn(port: number, env: Record<string, string>, timeoutMs: number, entry?: string): Promise<ChildWeft> {
  // /healthz names its node: an answer from another server that took the port is not this one's.
  const node = env.WEFT_NODE_ID ?? `child-${randomBytes(4).toString('hex')}`;
  const child = runWeft(['serve'], { WEFT_HOST: '127.0.0.1', ...env, WEFT_PORT: String(port), WEFT_NODE_ID: node }, entry);
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  let dead = false;
  void exited.then(() => (dead = true));
  for (;;) {
    if (dead) throw new Error(`weft exited before serving:\n${out}`);
    try {
      const r = await fetch(`${url}/healthz`);
      if (r.status === 200 && ((await r.json()) as { node?: string }).node === node) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`weft did not start in ${timeoutMs} ms:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, url, port, output: () => out, exited };
}
