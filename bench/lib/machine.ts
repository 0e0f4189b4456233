import { cpus, loadavg, totalmem, release, platform } from 'node:os';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { REPO } from './paths.js';

/** What the numbers were measured on: every result JSON carries it. */
export interface MachineInfo {
  cores: number;
  cpu_model: string;
  memory_mb: number;
  os: string;
  node: string;
  /** 1, 5 and 15 minute load averages when the scenario started (other work on the machine shows here). */
  load_at_start: number[];
}

export function machineInfo(): MachineInfo {
  return {
    cores: cpus().length,
    cpu_model: cpus()[0]?.model ?? 'unknown',
    memory_mb: Math.round(totalmem() / 2 ** 20),
    os: `${platform()} ${release()}`,
    node: process.version,
    load_at_start: loadavg().map((x) => Math.round(x * 100) / 100),
  };
}

export const load = () => loadavg().map((x) => Math.round(x * 100) / 100);

/** The installed version of a package from node_modules (what actually ran, not the range in package.json). */
export function packageVersion(name: string): string {
  try {
    return JSON.parse(readFileSync(join(REPO, 'node_modules', name, 'package.json'), 'utf8')).version;
  } catch {
    return 'not installed';
  }
}

/** weft's version and the commit measured (with "+dirty" when the work tree has changes under src/). */
export function weftVersion(): string {
  const version = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')).version as string;
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO }).toString().trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src'], { cwd: REPO }).toString().trim() !== '';
    return `${version} (${commit}${dirty ? '+dirty' : ''})`;
  } catch {
    return version;
  }
}

/** The SQLite library weft and the floors run on (better-sqlite3 bundles its own). */
export function sqliteVersion(): string {
  try {
    const req = createRequire(import.meta.url);
    const Database = req('better-sqlite3');
    const db = new Database(':memory:');
    const v = db.prepare('SELECT sqlite_version() AS v').get().v as string;
    db.close();
    return `${v} (better-sqlite3 ${packageVersion('better-sqlite3')})`;
  } catch {
    return 'unknown';
  }
}
