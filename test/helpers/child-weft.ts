import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

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

/** Runs `weft <args>` as a real child process, through bin/weft.js as `npm start` does (the bundle when it is fresh). */
export function runWeft(args: string[], env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ['bin/weft.js', ...args], {
    env: { ...process.env, WEFT_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Starts `weft serve` in a child process and waits until /healthz answers. */
export async function startChildWeft(env: Record<string, string>, timeoutMs = 20000): Promise<ChildWeft> {
  const port = env.WEFT_PORT ? Number(env.WEFT_PORT) : await freePort();
  const child = runWeft(['serve'], { WEFT_HOST: '127.0.0.1', ...env, WEFT_PORT: String(port) });
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
      if (r.status === 200) break;
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
