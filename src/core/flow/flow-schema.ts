import { checkCondition } from '../expr/index.js';
import type { FlowErrorItem, FlowSchemaVersionBody, StepSchema, TransitionSchema, TransitionType } from './flow-types.js';

// Slugs: lowercase letters and digits in words joined by one '-' or '_'. Matched
// case-insensitively ("Step-1" is accepted as written), so identifiers keep their case.
const SLUG = /^[a-z0-9]+(?:[-_][a-z0-9]+)*$/i;

export type CompileFlowSchemaResult =
  | { ok: true; schema: FlowSchemaVersionBody }
  | { ok: false; errors: FlowErrorItem[] };

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

class Collector {
  readonly errors: FlowErrorItem[] = [];
  add(code: string, message: string, path: string): void {
    this.errors.push({ code, message, path });
  }

  slug(value: unknown, path: string, what: string): string {
    if (typeof value !== 'string' || value === '') {
      this.add('required', `${what} must be a non-empty string`, path);
      return '';
    }
    if (!SLUG.test(value)) this.add('invalid_slug', `${what} '${value}' is not a slug (letters and digits, words joined by '-' or '_')`, path);
    return value;
  }

  text(value: unknown, path: string, what: string, fallback: string): string {
    if (value === undefined || value === null) return fallback;
    if (typeof value !== 'string') {
      this.add('invalid_value', `${what} must be a string`, path);
      return fallback;
    }
    return value;
  }
}

function compileStep(c: Collector, raw: unknown, i: number): StepSchema | null {
  const path = `/steps/${i}`;
  if (!isObject(raw)) {
    c.add('invalid_value', `step ${i} must be an object`, path);
    return null;
  }
  const identifier = c.slug(raw.identifier, `${path}/identifier`, `step ${i} identifier`);
  return {
    identifier,
    name: c.text(raw.name, `${path}/name`, `step '${identifier}' name`, identifier),
    // Defaults {} and null: both are free JSON for the client.
    properties: raw.properties ?? {},
    action: raw.action ?? null,
  };
}

function compileTransition(c: Collector, raw: unknown, i: number, steps: Set<string>): TransitionSchema | null {
  const path = `/transitions/${i}`;
  if (!isObject(raw)) {
    c.add('invalid_value', `transition ${i} must be an object`, path);
    return null;
  }
  const identifier = c.slug(raw.identifier, `${path}/identifier`, `transition ${i} identifier`);
  const label = identifier === '' ? `${i}` : `'${identifier}'`;
  const ends = (['from', 'to'] as const).map((end) => {
    const value = raw[end];
    if (typeof value !== 'string' || value === '') {
      c.add('required', `transition ${label} needs '${end}', a step identifier`, `${path}/${end}`);
      return '';
    }
    if (!steps.has(value)) c.add('unknown_step', `transition ${label} refers to unknown step '${value}' in '${end}'`, `${path}/${end}`);
    return value;
  });
  // Default manual: a transition fires only when asked unless declared automatic.
  let type: TransitionType = 'manual';
  if (raw.type === 'automatic' || raw.type === 'manual') type = raw.type;
  else if (raw.type !== undefined && raw.type !== null) {
    c.add('invalid_type', `transition ${label} type must be 'manual' or 'automatic'`, `${path}/type`);
  }
  let condition: string | null = null;
  if (typeof raw.condition === 'string' && raw.condition.trim() !== '') {
    condition = raw.condition;
    const problem = checkCondition(condition);
    if (problem !== null) c.add('invalid_condition', `transition ${label} condition does not parse: ${problem}`, `${path}/condition`);
  } else if (raw.condition !== undefined && raw.condition !== null && raw.condition !== '') {
    c.add('invalid_value', `transition ${label} condition must be a string`, `${path}/condition`);
  }
  return { identifier, from: ends[0]!, to: ends[1]!, type, condition };
}

/**
 * Validates and normalises a POST /v1/flows body `{identifier, name, description, steps,
 * transitions}`, reporting every problem found (each with a JSON-pointer `path`).
 */
export function compileFlowSchema(input: unknown): CompileFlowSchemaResult {
  const c = new Collector();
  if (!isObject(input)) return { ok: false, errors: [{ code: 'invalid_value', message: 'the flow schema must be a JSON object', path: '' }] };
  const identifier = c.slug(input.identifier, '/identifier', 'flow identifier');
  const name = c.text(input.name, '/name', 'name', identifier);
  const description = c.text(input.description, '/description', 'description', '');

  const steps: StepSchema[] = [];
  if (!Array.isArray(input.steps) || input.steps.length === 0) {
    c.add('required', 'steps must be a non-empty list', '/steps');
  } else {
    const seen = new Set<string>();
    input.steps.forEach((raw, i) => {
      const step = compileStep(c, raw, i);
      if (step === null) return;
      if (step.identifier !== '' && seen.has(step.identifier)) {
        c.add('duplicate_step', `step identifier '${step.identifier}' is used more than once`, `/steps/${i}/identifier`);
      }
      seen.add(step.identifier);
      steps.push(step);
    });
  }

  const stepIds = new Set(steps.map((s) => s.identifier));
  const transitions: TransitionSchema[] = [];
  if (input.transitions !== undefined && input.transitions !== null && !Array.isArray(input.transitions)) {
    c.add('invalid_value', 'transitions must be a list', '/transitions');
  } else {
    const seen = new Set<string>();
    ((input.transitions as unknown[] | undefined) ?? []).forEach((raw, i) => {
      const t = compileTransition(c, raw, i, stepIds);
      if (t === null) return;
      const key = JSON.stringify([t.identifier, t.from, t.to]);
      if (seen.has(key)) c.add('duplicate_transition', `transition '${t.identifier}' from '${t.from}' to '${t.to}' is declared twice`, `/transitions/${i}`);
      seen.add(key);
      transitions.push(t);
    });
  }

  if (steps.length > 0) {
    const targets = new Set(transitions.map((t) => t.to));
    if (!steps.some((s) => !targets.has(s.identifier))) {
      c.add('no_start_step', 'no start step: every step has an incoming transition, so none can become active at start', '/transitions');
    }
  }

  if (c.errors.length > 0) return { ok: false, errors: c.errors };
  return { ok: true, schema: { identifier, name, description, steps, transitions } };
}
