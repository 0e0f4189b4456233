#!/usr/bin/env node
// Bundles the server into dist/weft.cjs (or the path given), which bin/weft.js runs while it is
// newer than every source file. Dependencies stay in node_modules; only weft's own modules are
// bundled. CommonJS, so that the dependencies load through require(): on Node 20 that is
// noticeably faster at start than ESM's per-module parsing (see docs/benchmarks.md, recovery).
// The bundle must sit inside the package (src/core/package-root.ts finds migrations and the
// dashboard from it).
import { build } from 'esbuild';

const outfile = process.argv[2] ?? 'dist/weft.cjs';
await build({
  entryPoints: ['src/transport/cli/main.ts'],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  packages: 'external',
  // CommonJS has no import.meta: the bundle's own file URL stands in for it.
  define: { 'import.meta.url': '__weftModuleUrl' },
  banner: { js: "const __weftModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
  logLevel: 'warning',
});
