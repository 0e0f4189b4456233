import type { SqlDb } from './sql-db.js';

export interface ApiKeyRecord {
  id: string;
  prefix: string;
  name: string | null;
  createdAt: number;
  revokedAt: number | null;
}

export interface WorkspaceRecord {
  pk: number;
  keyId: string;
  name: string;
  createdAt: number;
}

interface DbApiKey {
  id: string;
  prefix: string;
  name: string | null;
  created_at: number;
  revoked_at: number | null;
}

const toKey = (r: DbApiKey): ApiKeyRecord => ({ id: r.id, prefix: r.prefix, name: r.name, createdAt: r.created_at, revokedAt: r.revoked_at });

export interface AuthStore {
  createKey(key: { id: string; hash: string; prefix: string; name: string | null; now: number }): Promise<boolean>;
  findKeyByHash(hash: string): Promise<ApiKeyRecord | null>;
  listKeys(): Promise<ApiKeyRecord[]>;
  /** Revokes by id or prefix; resolves to the number of keys revoked. */
  revokeKey(idOrPrefix: string, now: number): Promise<number>;
  countActiveKeys(): Promise<number>;
  /** The workspace `name` of key `keyId`, created on first use. */
  resolveWorkspace(keyId: string, name: string, now: number): Promise<WorkspaceRecord>;
  listWorkspaces(keyId: string): Promise<WorkspaceRecord[]>;
}

interface DbWorkspace {
  pk: number;
  key_id: string;
  name: string;
  created_at: number;
}
const toWorkspace = (r: DbWorkspace): WorkspaceRecord => ({ pk: r.pk, keyId: r.key_id, name: r.name, createdAt: r.created_at });

export function createAuthStore(db: SqlDb): AuthStore {
  return {
    async createKey(k) {
      const n = await db.exec('INSERT INTO api_keys (id, hash, prefix, name, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING', [
        k.id,
        k.hash,
        k.prefix,
        k.name,
        k.now,
      ]);
      return n > 0;
    },
    async findKeyByHash(hash) {
      const rows = await db.query<DbApiKey>('SELECT id, prefix, name, created_at, revoked_at FROM api_keys WHERE hash = ?', [hash]);
      return rows.length ? toKey(rows[0]) : null;
    },
    async listKeys() {
      const rows = await db.query<DbApiKey>('SELECT id, prefix, name, created_at, revoked_at FROM api_keys ORDER BY created_at, id');
      return rows.map(toKey);
    },
    async revokeKey(idOrPrefix, now) {
      return db.exec('UPDATE api_keys SET revoked_at = ? WHERE (id = ? OR prefix = ?) AND revoked_at IS NULL', [now, idOrPrefix, idOrPrefix]);
    },
    async countActiveKeys() {
      const rows = await db.query<{ n: number }>('SELECT COUNT(*) AS n FROM api_keys WHERE revoked_at IS NULL');
      return Number(rows[0].n);
    },
    async resolveWorkspace(keyId, name, now) {
      return db.transaction(async (tx) => {
        await tx.exec('INSERT INTO workspaces (key_id, name, created_at) VALUES (?, ?, ?) ON CONFLICT (key_id, name) DO NOTHING', [keyId, name, now]);
        const rows = await tx.query<DbWorkspace>('SELECT pk, key_id, name, created_at FROM workspaces WHERE key_id = ? AND name = ?', [keyId, name]);
        return toWorkspace(rows[0]);
      });
    },
    async listWorkspaces(keyId) {
      const rows = await db.query<DbWorkspace>(`SELECT pk, key_id, name, created_at FROM workspaces WHERE key_id = ? ORDER BY name${db.byCodePoint}`, [keyId]);
      return rows.map(toWorkspace);
    },
  };
}
