#!/usr/bin/env node
// Entry point for the `weft` command (and `npm start`). It runs the bundle `npm run build:server`
// writes (dist/weft.cjs, built by `npm install`) when that is newer than every source file: a
// plain node start, about twice as fast as compiling TypeScript on the way (CommonJS, so that the
// dependencies load through require() without ESM's per-module parsing). Otherwise — a source
// file edited since the last build — it runs the TypeScript sources through tsx.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bundle = join(root, 'dist', 'weft.cjs');

function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

if (process.env.WEFT_FROM_SOURCE !== '1' && existsSync(bundle) && statSync(bundle).mtimeMs >= newestSource(join(root, 'src'))) {
  // require(), not import(): importing CommonJS from ESM first scans the whole bundle for its
  // export names (cjs-module-lexer), ~35 ms of every start for exports nobody reads.
  createRequire(import.meta.url)(bundle);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(join(root, 'src', 'transport', 'cli', 'main.ts')).href);
}
