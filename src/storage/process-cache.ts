import type { ProcessState } from '../core/process/interpreter/index.js';

// The parsed state of recently stepped processes, on this node. PERF: a step used to read the whole
// state TEXT under the row lock and JSON.parse it; with a hit it reads only the row's small columns.
//
// Correctness rests on `seq`: every committed write of a process row increments it under the row
// lock, so (wfid, launched_at, seq) names exactly one committed state, whichever node wrote it. An
// entry is put only after the commit of the write that made it, and a step takes it out of the cache
// (the interpreter changes it in place) and uses it only when the row it has locked has the same seq —
// a write by another node (PostgreSQL) or a rolled-back step simply makes it a miss. No notification
// is needed to invalidate it.

interface Entry {
  seq: number;
  launchedAt: number;
  state: ProcessState;
  tokens: Record<string, string>;
  chars: number;
}

export interface CachedProcess {
  state: ProcessState;
  tokens: Record<string, string>;
}

export interface ProcessCache {
  has(wfid: string): boolean;
  /** Removes the entry and returns it when it is the committed version (seq, launchedAt) of the row; null otherwise. */
  take(wfid: string, seq: number, launchedAt: number): CachedProcess | null;
  /** After the commit of a write that left the row at `seq`; `chars` is the size of its state's JSON. */
  put(wfid: string, seq: number, launchedAt: number, value: CachedProcess, chars: number): void;
  forget(wfid: string): void;
}

// Default 2,048 processes and 8 M characters of state JSON in all; a state over 256 K characters is not kept.
const MAX_ENTRIES = 2048;
const MAX_CHARS = 8_000_000;
const MAX_ENTRY_CHARS = 256_000;

export function createProcessCache(limits: { entries?: number; chars?: number } = {}): ProcessCache {
  const maxEntries = limits.entries ?? MAX_ENTRIES;
  const maxChars = limits.chars ?? MAX_CHARS;
  // A Map iterates in insertion order: the first entries are the least recently put.
  const entries = new Map<string, Entry>();
  let chars = 0;

  function remove(wfid: string): Entry | undefined {
    const e = entries.get(wfid);
    if (e) {
      entries.delete(wfid);
      chars -= e.chars;
    }
    return e;
  }

  return {
    has: (wfid) => entries.has(wfid),
    take(wfid, seq, launchedAt) {
      const e = remove(wfid);
      return e && e.seq === seq && e.launchedAt === launchedAt ? { state: e.state, tokens: e.tokens } : null;
    },
    put(wfid, seq, launchedAt, value, size) {
      const old = entries.get(wfid);
      // Two steps of one process may resolve out of order: the later version stays.
      if (old && old.launchedAt === launchedAt && old.seq > seq) return;
      remove(wfid);
      if (size > MAX_ENTRY_CHARS) return;
      entries.set(wfid, { seq, launchedAt, state: value.state, tokens: value.tokens, chars: size });
      chars += size;
      for (const [key] of entries) {
        if (entries.size <= maxEntries && chars <= maxChars) break;
        remove(key);
      }
    },
    forget(wfid) {
      remove(wfid);
    },
  };
}
