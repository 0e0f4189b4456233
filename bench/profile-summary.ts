// npx tsx bench/profile-summary.ts <file.cpuprofile|folder> [top]
// Self time per function (file:line), and total (inclusive) time for weft's own functions, from a
// V8 CPU profile written by `npm run bench -- <scenario> --profile` (node --cpu-prof on the weft child).
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { createRequire } from 'node:module';
import { REPO } from './lib/paths.js';

// tsx compiles each file to one line (minifyWhitespace), so a profile's positions are columns of
// that line. The same esbuild transform with a source map gives back the line in the .ts file.
const require = createRequire(import.meta.url);
type Mapper = (column: number) => number | null;
const mappers = new Map<string, Mapper>();
function mapperFor(file: string): Mapper {
  let m = mappers.get(file);
  if (m) return m;
  m = () => null;
  try {
    const esbuild = require('esbuild');
    const { TraceMap, originalPositionFor } = require('@jridgewell/trace-mapping');
    const out = esbuild.transformSync(readFileSync(file, 'utf8'), {
      loader: file.endsWith('.ts') ? 'ts' : 'js',
      target: `node${process.versions.node}`,
      format: 'esm',
      sourcemap: 'external',
      sourcefile: file,
      minifyWhitespace: true,
      keepNames: true,
    });
    const map = new TraceMap(out.map);
    m = (column: number) => originalPositionFor(map, { line: 1, column }).line ?? null;
  } catch {
    // no esbuild / trace-mapping: lines stay as the profile has them
  }
  mappers.set(file, m);
  return m;
}

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  hitCount: number;
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

function files(p: string): string[] {
  if (statSync(p).isDirectory()) return readdirSync(p).flatMap((f) => files(join(p, f)));
  return p.endsWith('.cpuprofile') ? [p] : [];
}

const where = (n: Node) => {
  const url = n.callFrame.url.replace(/^file:\/\//, '');
  const own = url.startsWith(REPO) && !url.includes('node_modules');
  const file = own ? relative(REPO, url) : url.replace(/.*node_modules\//, 'node_modules/') || '(native)';
  let line = n.callFrame.lineNumber + 1;
  if (own && n.callFrame.lineNumber === 0) line = mapperFor(url)(n.callFrame.columnNumber) ?? line;
  return `${n.callFrame.functionName || '(anonymous)'} ${file}:${line}`;
};

function summarise(path: string, top: number) {
  const p: Profile = JSON.parse(readFileSync(path, 'utf8'));
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<number, number>();
  p.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const selfBy = new Map<string, number>();
  const inclBy = new Map<string, number>();
  for (const [id, t] of self) {
    const n = byId.get(id)!;
    selfBy.set(where(n), (selfBy.get(where(n)) ?? 0) + t);
    // Inclusive: every distinct frame on the stack gets the sample once.
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const w = where(byId.get(cur)!);
      if (seen.has(w)) continue;
      seen.add(w);
      inclBy.set(w, (inclBy.get(w) ?? 0) + t);
    }
  }
  const pct = (t: number) => `${((100 * t) / total).toFixed(1)}%`.padStart(6);
  console.log(`\n${relative(REPO, path)}: ${(total / 1e6).toFixed(1)} s sampled`);
  console.log('  self time:');
  for (const [w, t] of [...selfBy].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${pct(t)}  ${w}`);
  console.log('  inclusive, weft source only:');
  for (const [w, t] of [...inclBy].filter(([w]) => / src\//.test(w)).sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${pct(t)}  ${w}`);
}

const [target, top = '25'] = process.argv.slice(2);
if (!target) {
  console.error('usage: tsx bench/profile-summary.ts <file.cpuprofile|folder> [top]');
  process.exit(2);
}
for (const f of files(target)) summarise(f, Number(top));
