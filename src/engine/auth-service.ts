import { hash, randomBytes, randomUUID } from 'node:crypto';
import type { Store } from '../storage/store.js';
import type { ApiKeyRecord, WorkspaceRecord } from '../storage/auth-store.js';
import type { Clock } from './clock.js';
import { Forbidden, InvalidWorkspace } from '../core/errors.js';

export const WORKSPACE_PATTERN = /^[A-Za-z0-9_-]+$/;
// Default 128 characters: a workspace id is a name, and it appears in URLs.
const MAX_WORKSPACE_LENGTH = 128;
// Default 5 s: a revoked key stops working on every node within this time.
export const KEY_CACHE_MS = 5000;
// Default 10,000 keys and 10,000 (key, workspace) pairs remembered: unknown keys are remembered too
// (a client retrying a wrong key does not reach the database each time), so without a bound requests
// with random keys would grow the memory without end. The oldest entry makes room.
export const CACHE_ENTRIES = 10_000;

export function remember<K, V>(cache: Map<K, V>, key: K, value: V) {
  cache.delete(key);
  if (cache.size >= CACHE_ENTRIES) cache.delete(cache.keys().next().value as K);
  cache.set(key, value);
}

// PERF: the one-shot crypto.hash costs a third of createHash().update().digest(); every request hashes its key.
export const hashKey = (key: string) => hash('sha256', key, 'hex');

export function generateKey(): string {
  return `weft_${randomBytes(24).toString('base64url')}`;
}

export interface AuthService {
  /** Resolves the key, or throws 403 Forbidden. */
  authenticate(key: string | undefined): Promise<ApiKeyRecord>;
  /** Forgets what was remembered of these keys (found revoked elsewhere): their next use reads them again. */
  forget(keyIds: ReadonlySet<string>): void;
  /** Validates the name (400) and returns the key's workspace, created on first use. */
  workspace(keyId: string, name: string | undefined): Promise<WorkspaceRecord>;
  createKey(name: string | null, key?: string): Promise<{ key: string; record: ApiKeyRecord }>;
  /** Stores WEFT_API_KEYS; when no key exists at all (none ever made), generates one and returns it (printed once). */
  ensureKeys(configured: readonly string[]): Promise<string | null>;
}

export function createAuthService(store: Store, clock: Clock): AuthService {
  const keys = new Map<string, { record: ApiKeyRecord | null; at: number }>();
  const workspaces = new Map<string, WorkspaceRecord>();

  async function createKey(name: string | null, key = generateKey()) {
    const id = randomUUID();
    const hash = hashKey(key);
    await store.auth.createKey({ id, hash, prefix: key.slice(0, 10), name, now: clock.now() });
    const record = (await store.auth.findKeyByHash(hash))!;
    return { key, record };
  }

  return {
    async authenticate(key) {
      if (!key || key.length > 512) throw Forbidden();
      const hash = hashKey(key);
      const now = clock.now();
      let hit = keys.get(hash);
      if (!hit || now - hit.at > KEY_CACHE_MS) {
        hit = { record: await store.auth.findKeyByHash(hash), at: now };
        remember(keys, hash, hit);
      }
      if (!hit.record || hit.record.revokedAt !== null) throw Forbidden();
      return hit.record;
    },
    forget(keyIds) {
      for (const [hash, hit] of keys) if (hit.record && keyIds.has(hit.record.id)) keys.delete(hash);
    },
    async workspace(keyId, name) {
      // Absent: `default`. Present but empty does not match the pattern (400), like any other bad id.
      const ws = name === undefined ? 'default' : name;
      if (ws.length > MAX_WORKSPACE_LENGTH || !WORKSPACE_PATTERN.test(ws)) throw InvalidWorkspace();
      const cacheKey = `${keyId}\u0000${ws}`;
      let rec = workspaces.get(cacheKey);
      if (!rec) {
        rec = await store.auth.resolveWorkspace(keyId, ws, clock.now());
        remember(workspaces, cacheKey, rec);
      }
      return rec;
    },
    createKey,
    async ensureKeys(configured) {
      for (const k of configured) await store.auth.createKey({ id: randomUUID(), hash: hashKey(k), prefix: k.slice(0, 10), name: 'WEFT_API_KEYS', now: clock.now() });
      // Only a first start makes one: keys all revoked are the operator's doing (a locked server),
      // and a new key printed to the logs would open it again.
      if ((await store.auth.listKeys()).length > 0) return null;
      const { key } = await createKey('generated at first start');
      return key;
    },
  };
}
