// npm run stress:crash [-- cycles]: kill -9 weft under load on SQLite, restart on the same file,
// and count acknowledged changes lost or duplicated (both must be 0). Default 100 cycles.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCrashCycles } from '../test/helpers/crash-harness.js';

const cycles = Number(process.argv[2] ?? 100);
const dir = mkdtempSync(join(tmpdir(), 'weft-stress-'));
try {
  const report = await runCrashCycles({ cycles, dataDir: dir, log: (l) => console.log(l) });
  console.log(JSON.stringify({ ...report, problems: report.problems.slice(0, 20) }, null, 2));
  console.log(`lost: ${report.lost}, duplicated: ${report.duplicated}`);
  process.exitCode = report.lost + report.duplicated === 0 ? 0 : 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
