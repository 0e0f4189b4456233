// Drives the interpreter reducer the way the engine will: launch, then answer dispatches by
// proceeding and fire timers by advancing a simulated clock. No sleeping, no I/O.
import assert from 'node:assert/strict';
import {
  activeWorkitems, launchProcess, packState, stepProcess, unpackState,
  type ProcessEffect, type ProcessMessage, type ProcessState, type Tree,
} from '../../../../src/core/process/interpreter/index.js';

type Dispatch = Extract<ProcessEffect, { type: 'dispatch' }>;

export interface HarnessOptions {
  fields?: Record<string, unknown>;
  variables?: Record<string, unknown>;
  callback?: string;
  callbacks?: Record<string, string>;
  now?: number;
}

export class Harness {
  state!: ProcessState;
  now: number;
  /** Every effect, in order. */
  readonly effects: ProcessEffect[] = [];
  /** Participant names in the order they were dispatched (status active). */
  readonly reached: string[] = [];
  /** Active dispatches not yet answered, oldest first. */
  pending: Dispatch[] = [];
  readonly timers = new Map<string, number>();
  private seed = 42;
  /** Answers already computed (so that `answer` runs once per dispatch). */
  private readonly answers = new Map<string, Record<string, unknown> | 'hold'>();

  constructor(readonly tree: Tree, readonly opts: HarnessOptions = {}) {
    this.now = opts.now ?? Date.UTC(2026, 10, 28, 6, 0, 0);
  }

  private ctx() {
    return {
      now: this.now,
      random: (n: number) => {
        // mulberry32: a small deterministic generator whose every bit is usable.
        let x = (this.seed = (this.seed + 0x6d2b79f5) | 0);
        x = Math.imul(x ^ (x >>> 15), x | 1);
        x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
        return Math.floor((((x ^ (x >>> 14)) >>> 0) / 4294967296) * n);
      },
    };
  }

  launch(): this {
    const callback = this.opts.callbacks ? undefined : this.opts.callback ?? 'http://127.0.0.1:9/participants';
    const r = launchProcess('20261128-0600-kogadeso-gekunute', {
      type: 'launch', tree: this.tree, fields: this.opts.fields ?? {}, variables: this.opts.variables ?? {},
      callback, callbacks: this.opts.callbacks,
    }, this.ctx());
    this.absorb(r.state, r.effects);
    return this;
  }

  private absorb(state: ProcessState, effects: ProcessEffect[]): void {
    // The engine stores the state as packed JSON: every step starts from that round trip, which
    // must give what plain JSON gives.
    const text = JSON.stringify(packState(state));
    this.state = unpackState(JSON.parse(text));
    assert.deepStrictEqual(this.state, JSON.parse(JSON.stringify(state)), 'packState → unpackState changed the state');
    assert.ok(text.length <= JSON.stringify(state).length + 12, 'the packed state is larger');
    for (const e of effects) {
      this.effects.push(e);
      if (e.type === 'dispatch' && e.status === 'active') {
        this.reached.push(e.participant);
        this.pending.push(e);
      } else if (e.type === 'dispatch') {
        this.pending = this.pending.filter((p) => p.workitemId !== e.workitemId);
      } else if (e.type === 'schedule') this.timers.set(e.timerId, e.dueAt);
      else if (e.type === 'unschedule') this.timers.delete(e.timerId);
    }
  }

  /** Sends a message; returns the 400 message when the reducer refuses it. */
  send(msg: ProcessMessage): string | undefined {
    const before = JSON.stringify(this.state);
    const r = stepProcess(this.state, msg, this.ctx());
    assert.equal(JSON.stringify(this.state), before, 'stepProcess mutated its input state');
    if ('error' in r) return r.error.message;
    this.absorb(r.state, r.effects);
    return undefined;
  }

  get trace(): string[] {
    return this.state.trace;
  }

  get status(): ProcessState['status'] {
    return this.state.status;
  }

  /** Proceeds the oldest pending dispatch (or the one for `participant`). */
  proceed(participant?: string, fields?: Record<string, unknown>): Dispatch {
    const d = participant === undefined ? this.pending[0] : this.pending.find((p) => p.participant === participant);
    assert.ok(d, `no pending dispatch${participant ? ` for ${participant}` : ''}; pending: ${this.pending.map((p) => p.participant)}`);
    return this.proceedDispatch(d, fields);
  }

  proceedDispatch(d: Dispatch, fields?: Record<string, unknown>): Dispatch {
    this.pending = this.pending.filter((p) => p !== d);
    const err = this.send({ type: 'proceed', workitemId: d.workitemId, fields: fields ?? {} });
    assert.equal(err, undefined, `proceed refused: ${err}`);
    return d;
  }

  /** Advances the simulated clock by ms, firing due timers in due order. */
  advance(ms: number): this {
    const until = this.now + ms;
    for (;;) {
      const due = [...this.timers.entries()].filter(([, t]) => t <= until).sort((a, b) => a[1] - b[1])[0];
      if (!due) break;
      this.now = Math.max(this.now, due[1]);
      this.timers.delete(due[0]);
      this.send({ type: 'timer', timerId: due[0] });
    }
    this.now = until;
    return this;
  }

  /**
   * Answers every dispatch (oldest first) with `answer`'s fields and fires timers when nothing
   * else is pending, until the process ends or nothing is left to do.
   */
  run(answer: (d: Dispatch) => Record<string, unknown> | 'hold' = () => ({}), maxSteps = 1000): this {
    for (let i = 0; i < maxSteps; i++) {
      if (['completed', 'cancelled'].includes(this.status)) return this;
      let answered = false;
      for (const d of this.pending) {
        const a = this.answers.get(d.workitemId + '#' + this.effects.indexOf(d)) ?? answer(d);
        if (a === 'hold') { this.answers.set(d.workitemId + '#' + this.effects.indexOf(d), a); continue; }
        this.proceedDispatch(d, a);
        answered = true;
        break;
      }
      if (answered) continue;
      const next = [...this.timers.values()].sort((a, b) => a - b)[0];
      if (next === undefined) return this;
      this.advance(Math.max(0, next - this.now));
    }
    throw new Error('harness: too many steps');
  }

  active() {
    return activeWorkitems(this.state);
  }
}

/** Launches tree, answers every participant, fires every timer; returns the harness. */
export function runFlow(tree: Tree, opts: HarnessOptions = {}, answer?: (d: Dispatch) => Record<string, unknown> | 'hold'): Harness {
  return new Harness(tree, opts).launch().run(answer);
}

export const t = (name: string, attrs: Record<string, unknown> = {}, children: Tree[] = []): Tree => [name, attrs, children];
export const echo = (text: string, attrs: Record<string, unknown> = {}): Tree => ['echo', { [text]: null, ...attrs }, []];
export const p = (name: string, attrs: Record<string, unknown> = {}): Tree => ['participant', { ref: name, ...attrs }, []];
export const define = (...children: Tree[]): Tree => ['define', {}, children];
