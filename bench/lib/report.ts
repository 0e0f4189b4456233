import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { machineInfo, load, sqliteVersion, type MachineInfo } from './machine.js';
import { RESULTS_DIR } from './paths.js';

/** The shape every scenario writes to bench/results/<scenario>.json. */
export interface ScenarioResult {
  scenario: string;
  /** 'ok'; 'partial' when some systems could not run; 'not available yet' when weft lacks the capability. */
  status: 'ok' | 'partial' | 'not available yet' | 'failed';
  started_at: string;
  finished_at: string;
  duration_s: number;
  machine: MachineInfo;
  load_at_end: number[];
  /** system → version string. */
  versions: Record<string, string>;
  /** system → its durability settings, as measured or configured. */
  durability: Record<string, string>;
  parameters: Record<string, unknown>;
  /** One row per measured configuration; the table printed is made of these. */
  rows: Record<string, unknown>[];
  notes: string[];
}

export class Report {
  readonly started = Date.now();
  readonly machine = machineInfo();
  versions: Record<string, string> = { node: process.version, sqlite: sqliteVersion() };
  durability: Record<string, string> = {};
  rows: Record<string, unknown>[] = [];
  notes: string[] = [];
  status: ScenarioResult['status'] = 'ok';

  constructor(
    readonly scenario: string,
    readonly parameters: Record<string, unknown>,
  ) {}

  note(text: string) {
    this.notes.push(text);
    console.log(`  note: ${text}`);
  }

  row(r: Record<string, unknown>) {
    this.rows.push(r);
  }

  finish(dir = RESULTS_DIR): ScenarioResult {
    const result: ScenarioResult = {
      scenario: this.scenario,
      status: this.status,
      started_at: new Date(this.started).toISOString(),
      finished_at: new Date().toISOString(),
      duration_s: Math.round((Date.now() - this.started) / 100) / 10,
      machine: this.machine,
      load_at_end: load(),
      versions: this.versions,
      durability: this.durability,
      parameters: this.parameters,
      rows: this.rows,
      notes: this.notes,
    };
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${this.scenario}.json`), JSON.stringify(result, null, 2) + '\n');
    return result;
  }
}

/** A plain-text table of rows (columns in the order given; missing cells shown as "–"). */
export function formatTable(rows: Record<string, unknown>[], columns: string[]): string {
  const cell = (v: unknown) => (v === undefined || v === null ? '–' : typeof v === 'number' ? fmtNumber(v) : String(v));
  const cells = rows.map((r) => columns.map((c) => cell(r[c])));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i].length)));
  const line = (vals: string[]) => '| ' + vals.map((v, i) => (i === 0 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join(' | ') + ' |';
  const sep = '|' + widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : '-'.repeat(w + 1) + ':')).join('|') + '|';
  return [line(columns), sep, ...cells.map(line)].join('\n');
}

function fmtNumber(v: number): string {
  if (Number.isInteger(v)) return String(v);
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
}
