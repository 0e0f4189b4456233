import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';

// One `weft serve` per SQLite data folder. A second one on the same folder took the first one's
// running tasks back at its start (as a node restarting takes back what it held), and the two then
// ran the same work; nothing said so. The folder holds `weft.lock` with the serving process's pid:
// a start finding a live weft there refuses; one left by a process that died (kill -9) is taken
// over. `weft migrate` and `weft keys` take no lock: they may run beside a server.

const LOCK_FILE = 'weft.lock';

/** Whether pid is a live weft process (on Linux its command line is checked too: a pid is reused). */
function liveWeft(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('weft');
  } catch {
    // No /proc here: the signal check alone.
    return true;
  }
}

export interface DataDirLock {
  release(): void;
}

/** Takes the folder's lock, or returns the pid of the live weft holding it. */
export function lockDataDir(dir: string): DataDirLock | { heldBy: number } {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, LOCK_FILE);
  const mine = String(process.pid);
  try {
    const fd = openSync(path, 'wx');
    writeSync(fd, mine);
    closeSync(fd);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const holder = Number(readFileSync(path, 'utf8').trim());
    if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && liveWeft(holder)) return { heldBy: holder };
    writeFileSync(path, mine);
  }
  return {
    release() {
      try {
        if (readFileSync(path, 'utf8').trim() === mine) unlinkSync(path);
      } catch {
        // gone already
      }
    },
  };
}
