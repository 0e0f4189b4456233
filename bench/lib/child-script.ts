import { spawn, type ChildProcess } from 'node:child_process';
import { REPO } from './paths.js';

export interface ChildScript {
  port: number;
  child: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Runs a bench script (TypeScript, through tsx) as its own process; it prints its port as its first
 * line. With `cpuProfDir`, node writes a CPU profile of it there when it stops (SIGTERM).
 */
export function startScript(path: string, env: Record<string, string> = {}, cpuProfDir?: string | null): Promise<ChildScript> {
  const prof = cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', cpuProfDir] : [];
  const child = spawn(process.execPath, [...prof, '--import', 'tsx', path], { cwd: REPO, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const exit = new Promise<void>((r) => child.on('exit', () => r()));
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl >= 0) {
        const port = Number(out.slice(0, nl));
        resolve({
          port,
          child,
          async stop() {
            child.kill('SIGTERM');
            const t = setTimeout(() => child.kill('SIGKILL'), 5000);
            await exit;
            clearTimeout(t);
          },
        });
      }
    });
    child.on('exit', (code) => reject(new Error(`${path} exited (${code}) before printing its port:\n${err}`)));
  });
}
