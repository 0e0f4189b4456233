import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { isPostgresUrl, type StoreOptions } from '../storage/store.js';

// Every setting: an environment variable WEFT_* and the matching `weft serve --kebab-case` flag,
// compiled once at start (DESIGN convention 8): defaults applied, validated, frozen.
// docs/configuration.md lists the same table; test/docs/configuration-doc.test.ts keeps them in step.

export interface Settings {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  readonly databaseUrl: string | null;
  readonly databaseSchema: string;
  readonly apiKeys: readonly string[];
  readonly taskTimeScale: number;
  /** type → built-in runner's maximum run time in ms. */
  readonly taskTypes: ReadonlyMap<string, number>;
  readonly workerTypes: readonly string[];
  readonly builtinRunner: boolean;
  readonly taskLeaseMs: number;
  readonly taskMaxAttempts: number;
  readonly taskBackoffMs: number;
  readonly maxRunningPerWorkspace: number;
  readonly maxStreamWorkspacesPerKey: number;
  readonly maxStreamsPerWorkspace: number;
  readonly webhookSecret: string | null;
  readonly bodyLimitBytes: number;
  readonly nodeId: string;
  readonly logLevel: string;
  readonly publicUrl: string;
  readonly callbackRetryDelays: readonly number[] | null;
  readonly callbackTimeoutMs: number;
  readonly httpTimeoutMs: number;
  readonly httpAllowHosts: readonly string[] | null;
  readonly metricsRequireKey: boolean;
  /** Origins whose pages may call the API from a browser (CORS); `*` any; empty: no CORS headers. */
  readonly corsOrigins: readonly string[];
  readonly sqliteSynchronous: 'FULL' | 'NORMAL';
}

type Raw = string | undefined;

export interface SettingSpec {
  key: keyof Settings;
  env: string;
  flag: string;
  default: string;
  description: string;
}

export const SETTINGS: readonly SettingSpec[] = [
  { key: 'port', env: 'WEFT_PORT', flag: '--port', default: '8700', description: 'HTTP port' },
  { key: 'host', env: 'WEFT_HOST', flag: '--host', default: '0.0.0.0', description: 'address to listen on' },
  { key: 'dataDir', env: 'WEFT_DATA_DIR', flag: '--data-dir', default: './data', description: 'folder of the SQLite database (weft.db)' },
  { key: 'databaseUrl', env: 'WEFT_DATABASE_URL', flag: '--database-url', default: '', description: 'postgres://… to use PostgreSQL instead of SQLite' },
  { key: 'databaseSchema', env: 'WEFT_DATABASE_SCHEMA', flag: '--database-schema', default: 'public', description: 'PostgreSQL schema holding weft\'s tables (created if missing)' },
  { key: 'apiKeys', env: 'WEFT_API_KEYS', flag: '--api-keys', default: '', description: 'comma-separated API keys to accept (stored hashed at start)' },
  { key: 'taskTimeScale', env: 'WEFT_TASK_TIME_SCALE', flag: '--task-time-scale', default: '1', description: "multiplies the built-in runner's durations (0.01 for demos and tests)" },
  {
    key: 'taskTypes',
    env: 'WEFT_TASK_TYPES',
    flag: '--task-types',
    default: 'gx.tiny:3,gx.micro:5,gx.small:10,gx.medium:30,gx.large:120,gx.heavy:300',
    description: "the task catalog: type:max-seconds of the built-in runner's run time",
  },
  { key: 'workerTypes', env: 'WEFT_WORKER_TYPES', flag: '--worker-types', default: '', description: 'comma-separated task types served only by external workers (they join the catalog)' },
  { key: 'builtinRunner', env: 'WEFT_BUILTIN_RUNNER', flag: '--builtin-runner', default: 'true', description: 'run catalog tasks with the built-in runner' },
  { key: 'taskLeaseMs', env: 'WEFT_TASK_LEASE_MS', flag: '--task-lease-ms', default: '30000', description: 'how long a claim holds a task without a heartbeat' },
  { key: 'taskMaxAttempts', env: 'WEFT_TASK_MAX_ATTEMPTS', flag: '--task-max-attempts', default: '3', description: 'attempts before a task is failed' },
  { key: 'taskBackoffMs', env: 'WEFT_TASK_BACKOFF_MS', flag: '--task-backoff-ms', default: '1000', description: 'base of the exponential backoff (with jitter) between attempts' },
  { key: 'maxRunningPerWorkspace', env: 'WEFT_MAX_RUNNING_PER_WORKSPACE', flag: '--max-running-per-workspace', default: '6', description: 'tasks running at once in one workspace' },
  { key: 'maxStreamWorkspacesPerKey', env: 'WEFT_MAX_STREAM_WORKSPACES_PER_KEY', flag: '--max-stream-workspaces-per-key', default: '4', description: 'workspaces with open /ws/tasks streams per key' },
  { key: 'maxStreamsPerWorkspace', env: 'WEFT_MAX_STREAMS_PER_WORKSPACE', flag: '--max-streams-per-workspace', default: '10', description: 'open /ws/tasks streams per workspace' },
  { key: 'webhookSecret', env: 'WEFT_WEBHOOK_SECRET', flag: '--webhook-secret', default: '', description: 'signing secret for participant deliveries (whsec_ + base64); unsigned when unset' },
  { key: 'bodyLimitBytes', env: 'WEFT_BODY_LIMIT_BYTES', flag: '--body-limit-bytes', default: '1048576', description: 'largest request body; larger gets 413' },
  { key: 'nodeId', env: 'WEFT_NODE_ID', flag: '--node-id', default: '(generated)', description: "this node's name in a cluster" },
  { key: 'logLevel', env: 'WEFT_LOG_LEVEL', flag: '--log-level', default: 'info', description: 'pino level (fatal, error, warn, info, debug, trace, silent)' },
  { key: 'publicUrl', env: 'WEFT_PUBLIC_URL', flag: '--public-url', default: 'http://localhost:<port>', description: 'public address, used in proceed_url' },
  { key: 'callbackRetryDelays', env: 'WEFT_CALLBACK_RETRY_DELAYS', flag: '--callback-retry-delays', default: '(n^5+30 s for n = 0…10)', description: 'comma-separated seconds between participant delivery retries' },
  { key: 'callbackTimeoutMs', env: 'WEFT_CALLBACK_TIMEOUT_MS', flag: '--callback-timeout-ms', default: '10000', description: 'time limit of one participant delivery' },
  { key: 'httpTimeoutMs', env: 'WEFT_HTTP_TIMEOUT_MS', flag: '--http-timeout-ms', default: '30000', description: 'time limit of an endpoint lookup or response request' },
  { key: 'httpAllowHosts', env: 'WEFT_HTTP_ALLOW_HOSTS', flag: '--http-allow-hosts', default: '(any)', description: 'comma-separated hosts endpoints may call; any when unset' },
  { key: 'metricsRequireKey', env: 'WEFT_METRICS_REQUIRE_KEY', flag: '--metrics-require-key', default: 'false', description: 'require an API key on /metrics' },
  { key: 'corsOrigins', env: 'WEFT_CORS_ORIGINS', flag: '--cors-origins', default: '(none)', description: 'comma-separated origins (https://app.example.com, or *) whose pages may call the API; no CORS headers when unset' },
  { key: 'sqliteSynchronous', env: 'WEFT_SQLITE_SYNCHRONOUS', flag: '--sqlite-synchronous', default: 'FULL', description: 'SQLite synchronous mode: FULL (every acknowledged change on disk) or NORMAL' },
];

export class SettingsError extends Error {}

// 2^31 - 1 ms (~24.8 days): the longest a Node timer waits. A longer one fires at once (with a
// TimeoutOverflowWarning): every lookup failed at once with "timeout of 3000000000ms exceeded".
export const MAX_TIMER_MS = 2147483647;

/** Decimal digits only: Number() also reads `0x22A6`, `1e3` and `  7 `. */
function int(name: string, raw: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const n = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(n) || n < min || n > max) throw new SettingsError(`${name} must be an integer between ${min} and ${max}, got "${raw}"`);
  return n;
}

function positive(name: string, raw: string, max: number): number {
  const n = /^\d+(\.\d+)?$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isFinite(n) || n <= 0 || n > max) throw new SettingsError(`${name} must be a positive number of at most ${max}, got "${raw}"`);
  return n;
}

/** An http(s) URL (a proceed_url is built on it). */
function httpUrl(name: string, raw: string): string {
  let url: URL | null = null;
  try {
    url = new URL(raw);
  } catch {
    // reported below
  }
  if (!url || !/^https?:$/.test(url.protocol)) throw new SettingsError(`${name} must be an http:// or https:// URL, got "${raw}"`);
  return raw.replace(/\/+$/, '');
}

// Default 365 days: the longest wait between two callback attempts (stored as a time; far larger
// overflowed PostgreSQL's bigint).
const MAX_RETRY_DELAY_S = 365 * 24 * 3600;

function bool(name: string, raw: string): boolean {
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new SettingsError(`${name} must be true or false, got "${raw}"`);
}

const list = (raw: string) =>
  raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** A CORS origin as browsers send it (scheme, host, port; no path), or `*`. */
function corsOrigin(raw: string): string {
  if (raw === '*') return raw;
  let url: URL | null = null;
  try {
    url = new URL(raw);
  } catch {
    // reported below
  }
  if (!url || !/^https?:$/.test(url.protocol) || url.origin !== raw.replace(/\/$/, '')) {
    throw new SettingsError(`WEFT_CORS_ORIGINS entries are origins like https://app.example.com (or *), got "${raw}"`);
  }
  return url.origin;
}

function taskTypes(raw: string, workerTypes: readonly string[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const item of list(raw)) {
    const m = /^([A-Za-z0-9_.-]+):(\d+(?:\.\d+)?)$/.exec(item);
    if (!m || Number(m[2]) * 1000 > MAX_TIMER_MS) throw new SettingsError(`WEFT_TASK_TYPES entries are type:max-seconds (at most ${Math.floor(MAX_TIMER_MS / 1000)}), got "${item}"`);
    out.set(m[1], Number(m[2]) * 1000);
  }
  for (const t of workerTypes) if (!out.has(t)) out.set(t, 0);
  return out;
}

// `host`, `host:port`, `*.domain`, an IPv4 address, an IPv6 address (bare, or bracketed with a port).
const ALLOW_HOST = /^(?:(?:\*\.)?[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*(?::\d{1,5})?|\[[0-9A-Fa-f:.]+\](?::\d{1,5})?|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*)$/;

/** An entry of WEFT_HTTP_ALLOW_HOSTS (one that could match no URL, `http://x y`, was taken silently). */
function allowHost(raw: string): string {
  if (!ALLOW_HOST.test(raw)) throw new SettingsError(`WEFT_HTTP_ALLOW_HOSTS entries are host, host:port or *.domain, got "${raw}"`);
  return raw;
}

function retryDelays(raw: string): readonly number[] {
  const delays = list(raw).map((s) => positive('WEFT_CALLBACK_RETRY_DELAYS', s, MAX_RETRY_DELAY_S));
  if (delays.length === 0) throw new SettingsError(`WEFT_CALLBACK_RETRY_DELAYS must list at least one delay in seconds, got "${raw}"`);
  return Object.freeze(delays);
}

/**
 * Compiles settings from flags (camelCase keys, as commander gives them) over environment
 * variables over defaults. Throws SettingsError with a clear message on a bad value.
 */
export function compileSettings(flags: Partial<Record<keyof Settings, string>> = {}, env: NodeJS.ProcessEnv = process.env): Settings {
  const raw = (key: keyof Settings): Raw => {
    const spec = SETTINGS.find((s) => s.key === key)!;
    const v = flags[key] ?? env[spec.env];
    return v === undefined || v === '' ? undefined : String(v);
  };
  const def = (key: keyof Settings) => SETTINGS.find((s) => s.key === key)!.default;
  const port = int('WEFT_PORT', raw('port') ?? def('port'), 0, 65535);
  const workerTypes = list(raw('workerTypes') ?? '');
  const retry = raw('callbackRetryDelays');
  const sync = (raw('sqliteSynchronous') ?? 'FULL').toUpperCase();
  if (sync !== 'FULL' && sync !== 'NORMAL') throw new SettingsError(`WEFT_SQLITE_SYNCHRONOUS must be FULL or NORMAL, got "${sync}"`);
  const level = raw('logLevel') ?? 'info';
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(level)) throw new SettingsError(`WEFT_LOG_LEVEL must be a pino level, got "${level}"`);
  const nodeId = raw('nodeId') ?? `node-${randomBytes(4).toString('hex')}`;
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(nodeId)) throw new SettingsError(`WEFT_NODE_ID must match ^[A-Za-z0-9_.-]{1,64}$, got "${nodeId}"`);
  const secret = raw('webhookSecret') ?? null;
  // Base64 of at least one byte: `whsec_a` or `whsec_=` decoded to an empty key, and every signature could be forged.
  if (secret !== null && (!/^whsec_[A-Za-z0-9+/]+={0,2}$/.test(secret) || Buffer.from(secret.slice(6), 'base64').length === 0)) {
    throw new SettingsError('WEFT_WEBHOOK_SECRET must be whsec_ followed by the base64 of a key (at least one byte)');
  }
  const allow = raw('httpAllowHosts');
  return Object.freeze({
    port,
    host: raw('host') ?? def('host'),
    dataDir: raw('dataDir') ?? def('dataDir'),
    databaseUrl: (() => {
      const v = raw('databaseUrl');
      if (v === undefined) return null;
      // Anything else would quietly run on SQLite (the password is not shown).
      const shown = v.replace(/\/\/[^@/]*@/, '//…@');
      if (!isPostgresUrl(v)) throw new SettingsError(`WEFT_DATABASE_URL must start with postgres:// or postgresql://, got "${shown}"`);
      try {
        new URL(v);
      } catch {
        throw new SettingsError(`WEFT_DATABASE_URL is not a valid URL, got "${shown}"`);
      }
      return v;
    })(),
    databaseSchema: (() => {
      const v = raw('databaseSchema') ?? 'public';
      if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(v)) throw new SettingsError(`WEFT_DATABASE_SCHEMA must be a plain identifier, got "${v}"`);
      return v;
    })(),
    apiKeys: Object.freeze(list(raw('apiKeys') ?? '')),
    taskTimeScale: (() => {
      const n = Number(raw('taskTimeScale') ?? '1');
      if (!Number.isFinite(n) || n < 0) throw new SettingsError('WEFT_TASK_TIME_SCALE must be a number >= 0');
      return n;
    })(),
    taskTypes: taskTypes(raw('taskTypes') ?? def('taskTypes'), workerTypes),
    workerTypes: Object.freeze(workerTypes),
    builtinRunner: bool('WEFT_BUILTIN_RUNNER', raw('builtinRunner') ?? 'true'),
    taskLeaseMs: int('WEFT_TASK_LEASE_MS', raw('taskLeaseMs') ?? def('taskLeaseMs'), 100, MAX_TIMER_MS),
    taskMaxAttempts: int('WEFT_TASK_MAX_ATTEMPTS', raw('taskMaxAttempts') ?? def('taskMaxAttempts'), 1, 1000),
    taskBackoffMs: int('WEFT_TASK_BACKOFF_MS', raw('taskBackoffMs') ?? def('taskBackoffMs'), 0, MAX_TIMER_MS),
    maxRunningPerWorkspace: int('WEFT_MAX_RUNNING_PER_WORKSPACE', raw('maxRunningPerWorkspace') ?? def('maxRunningPerWorkspace'), 1),
    maxStreamWorkspacesPerKey: int('WEFT_MAX_STREAM_WORKSPACES_PER_KEY', raw('maxStreamWorkspacesPerKey') ?? def('maxStreamWorkspacesPerKey'), 1),
    maxStreamsPerWorkspace: int('WEFT_MAX_STREAMS_PER_WORKSPACE', raw('maxStreamsPerWorkspace') ?? def('maxStreamsPerWorkspace'), 1),
    webhookSecret: secret,
    bodyLimitBytes: int('WEFT_BODY_LIMIT_BYTES', raw('bodyLimitBytes') ?? def('bodyLimitBytes'), 1024),
    nodeId,
    logLevel: level,
    publicUrl: httpUrl('WEFT_PUBLIC_URL', raw('publicUrl') ?? `http://localhost:${port}`),
    callbackRetryDelays: retry === undefined ? null : retryDelays(retry),
    callbackTimeoutMs: int('WEFT_CALLBACK_TIMEOUT_MS', raw('callbackTimeoutMs') ?? def('callbackTimeoutMs'), 1, MAX_TIMER_MS),
    httpTimeoutMs: int('WEFT_HTTP_TIMEOUT_MS', raw('httpTimeoutMs') ?? def('httpTimeoutMs'), 1, MAX_TIMER_MS),
    httpAllowHosts: allow === undefined ? null : Object.freeze(list(allow).map(allowHost)),
    metricsRequireKey: bool('WEFT_METRICS_REQUIRE_KEY', raw('metricsRequireKey') ?? 'false'),
    corsOrigins: Object.freeze(list(raw('corsOrigins') ?? '').map(corsOrigin)),
    sqliteSynchronous: sync,
  } satisfies Settings);
}

export function sqliteFile(settings: Settings): string {
  return join(settings.dataDir, 'weft.db');
}

/** The store these settings name: PostgreSQL at the database URL, or SQLite in the data folder. */
export function storeOptions(settings: Settings): StoreOptions {
  return {
    databaseUrl: settings.databaseUrl,
    pgSchema: settings.databaseSchema,
    sqliteFile: sqliteFile(settings),
    sqliteSynchronous: settings.sqliteSynchronous,
    nodeId: settings.nodeId,
  };
}
