// Effects: what a capability's pure core asks the engine to do after the commit that holds the
// change (DESIGN "The one rule"). Cores return [next, effects]; only the engine executes them.
// Each capability declares its own effect variants next to its reducer and they are joined here.

export interface EmitEffect {
  type: 'emit';
  /** A key of the engine's typed event map (src/engine/event-bus.ts). */
  event: string;
  payload: unknown;
}

export interface TimerEffect {
  type: 'timer';
  /** Absolute due time, ms since the epoch (from the injected clock, never Date.now() in core). */
  dueAt: number;
  /** What to deliver back to the reducer when the timer fires. */
  message: unknown;
}

export interface DeliverEffect {
  type: 'deliver';
  /** Stable id (becomes the `webhook-id` header); the same delivery retried keeps it. */
  deliveryId: string;
  url: string;
  body: unknown;
}

export type Effect = EmitEffect | TimerEffect | DeliverEffect;
