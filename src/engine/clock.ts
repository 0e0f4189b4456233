// Time is an engine dependency (DESIGN convention 3): tests may pass their own.
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
