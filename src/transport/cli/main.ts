import { lockDataDir } from './data-dir-lock.js';
import { Command, Option } from 'commander';
import { SETTINGS, SettingsError, compileSettings, storeOptions, type Settings } from '../../engine/settings.js';
import { createEngine } from '../../engine/engine.js';
import { createServer } from '../http/server.js';
import { createStore } from '../../storage/store.js';
import { createAuthService } from '../../engine/auth-service.js';
import { systemClock } from '../../engine/clock.js';
import { isWeftError, StoreUnavailable } from '../../core/errors.js';

// weft serve | migrate | keys — the same engine functions as HTTP (DESIGN: transport/cli).

type Flags = Partial<Record<keyof Settings, string>>;

// What `migrate` and `keys` read: where the database is.
const STORE_SETTINGS: ReadonlySet<keyof Settings> = new Set(['dataDir', 'databaseUrl', 'databaseSchema', 'sqliteSynchronous']);

/**
 * Every setting as a flag. `only`: the settings the command reads, the others still accepted (one
 * command line, or one environment, serves every command) but left out of its help.
 */
function withSettings(cmd: Command, only?: ReadonlySet<keyof Settings>): Command {
  for (const s of SETTINGS) {
    // No commander default: an unset flag must fall through to the environment variable, then the default.
    const option = new Option(`${s.flag} <value>`, `${s.description} (${s.env}, default: ${s.default || '(none)'})`);
    cmd.addOption(only && !only.has(s.key) ? option.hideHelp() : option);
  }
  if (only) cmd.addHelpText('after', "\nThe other settings of 'weft serve' are accepted and not used here.");
  return cmd;
}

function settingsFrom(flags: Flags): Settings {
  try {
    return compileSettings(flags);
  } catch (err) {
    if (err instanceof SettingsError) {
      // Messages name the environment variable: a value given as a flag is named as the flag.
      const flag = SETTINGS.find((s) => flags[s.key] !== undefined && err.message.startsWith(`${s.env} `));
      console.error(`weft: ${flag ? flag.flag + err.message.slice(flag.env.length) : err.message}`);
      process.exit(2);
    }
    throw err;
  }
}

async function openStore(settings: Settings) {
  const store = await createStore(storeOptions(settings));
  await store.migrate();
  return store;
}

const LISTEN_PROBLEMS: Record<string, string> = {
  EADDRINUSE: 'the address is in use',
  EACCES: 'permission denied',
  EADDRNOTAVAIL: 'the address is not available here',
  ENOTFOUND: 'the host name cannot be resolved',
  EAI_AGAIN: 'the host name cannot be resolved',
};

// Printed once: only its hash is stored.
function printGeneratedKey(key: string | null, port: number) {
  if (!key) return;
  process.stdout.write(`\n  No API key existed, so weft created one. It is shown only this once:\n\n    ${key}\n\n  Try: curl -H 'X-API-Key: ${key}' http://localhost:${port}/tasks\n\n`);
}

async function serve(flags: Flags) {
  const settings = settingsFrom(flags);
  const lock = settings.databaseUrl === null ? lockDataDir(settings.dataDir) : null;
  if (lock && 'heldBy' in lock) {
    console.error(`weft: another weft (pid ${lock.heldBy}) serves ${settings.dataDir}: two on one SQLite data folder would run each other's work (stop it, or set WEFT_DATA_DIR / --data-dir)`);
    process.exit(1);
  }
  const engine = await createEngine(settings);
  const server = await createServer(engine);
  let port: number;
  try {
    ({ port } = await server.listen());
  } catch (err) {
    // The key is stored already: shown now, or never (the next start finds a key and makes none).
    printGeneratedKey(engine.generatedKey, settings.port);
    const code = (err as NodeJS.ErrnoException).code;
    const why = LISTEN_PROBLEMS[code ?? ''];
    if (!why) throw err;
    // A start-up problem of the machine, not of weft: one line, no stack.
    console.error(`weft: cannot listen on ${settings.host}:${settings.port}: ${why} (set WEFT_PORT / --port, WEFT_HOST / --host)`);
    await engine.stop().catch(() => {});
    lock?.release();
    process.exit(1);
  }
  engine.start();
  engine.log.info({ port, database: engine.store.dialect }, 'weft is serving');
  printGeneratedKey(engine.generatedKey, port);
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    engine.log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 15000);
    force.unref();
    try {
      await server.close();
      await engine.stop();
    } finally {
      lock?.release();
      process.exit(0);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

const program = new Command('weft').description('weft — flows, processes, endpoints and tasks on one engine').showHelpAfterError();

withSettings(program.command('serve').description('start the server (settings: flags or WEFT_* environment variables)')).action((flags: Flags) => serve(flags));

withSettings(program.command('migrate').description('apply pending database migrations'), STORE_SETTINGS).action(async (flags: Flags) => {
  const settings = settingsFrom(flags);
  const store = await createStore(storeOptions(settings));
  const applied = await store.migrate();
  console.log(applied.length ? `applied migrations: ${applied.join(', ')}` : 'database is up to date');
  await store.close();
});

const keys = program.command('keys').description('manage API keys');
withSettings(keys.command('create').description('create an API key (printed once)').option('--name <name>', 'a label for the key'), STORE_SETTINGS).action(async (flags: Flags & { name?: string }) => {
  const store = await openStore(settingsFrom(flags));
  const { key, record } = await createAuthService(store, systemClock).createKey(flags.name ?? null);
  console.log(key);
  console.error(`created key ${record.id} (${record.prefix}…)`);
  await store.close();
});
withSettings(keys.command('list').description('list API keys (ids and prefixes; keys are stored hashed)'), STORE_SETTINGS).action(async (flags: Flags) => {
  const store = await openStore(settingsFrom(flags));
  const all = await store.auth.listKeys();
  // On stderr: stdout stays a list (empty) for scripts.
  if (all.length === 0) console.error('no API keys (weft serve creates one at its first start; or weft keys create)');
  for (const k of all) {
    console.log(`${k.id}  ${k.prefix}…  ${k.revokedAt ? 'revoked' : 'active '}  ${new Date(k.createdAt).toISOString()}  ${k.name ?? ''}`);
  }
  await store.close();
});
withSettings(keys.command('revoke').description('revoke an API key by id or prefix').argument('<id-or-prefix>'), STORE_SETTINGS).action(async (id: string, flags: Flags) => {
  const store = await openStore(settingsFrom(flags));
  const n = await store.auth.revokeKey(id, Date.now());
  console.log(n ? `revoked ${n} key(s)` : 'no active key matched');
  await store.close();
  if (!n) process.exitCode = 1;
});

// No top-level await: the bundle `npm run build:server` writes is CommonJS (see bin/weft.js).
program.parseAsync(process.argv).catch((err: unknown) => {
  // A database that cannot be reached at start is the machine's problem, not weft's: one line, no stack.
  if (isWeftError(err) && err.code === StoreUnavailable.code) {
    const cause = err.cause instanceof Error ? err.cause.message || (err.cause as NodeJS.ErrnoException).code : undefined;
    console.error(`weft: ${err.message.replace(/, try again$/, '')}${cause ? ` (${cause})` : ''}`);
  } else if (err instanceof Error && typeof (err as NodeJS.ErrnoException).code === 'string') {
    // The machine's or the database's answer (a data folder that is a file, a database or role
    // that does not exist, a host that does not resolve): one line, no stack, as above.
    console.error(`weft: ${err.message}`);
  } else console.error(err);
  process.exit(1);
});
