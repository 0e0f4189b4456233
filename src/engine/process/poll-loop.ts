// A background loop that runs `tick` every `intervalMs`, sooner when woken, and at once again when
// a tick says more work is waiting. One tick at a time; stop() waits for the running one.

export interface PollLoop {
  start(): void;
  /** Runs a tick as soon as possible (after the running one). */
  wake(): void;
  /** Runs a tick at `at` (ms since the epoch) unless one runs earlier. */
  wakeAt(at: number, now: number): void;
  stop(): Promise<void>;
}

export function createPollLoop(tick: () => Promise<boolean>, intervalMs: number, onError: (err: unknown) => void): PollLoop {
  let timer: NodeJS.Timeout | null = null;
  let timerAt = Infinity;
  let running: Promise<void> | null = null;
  let again = false;
  let stopped = true;

  function arm(delay: number) {
    const at = Date.now() + delay;
    if (timer && timerAt <= at) return;
    if (timer) clearTimeout(timer);
    timerAt = at;
    timer = setTimeout(fire, Math.max(0, delay));
    timer.unref();
  }

  function fire() {
    timer = null;
    timerAt = Infinity;
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = (async () => {
      let more = false;
      try {
        more = await tick();
      } catch (err) {
        onError(err);
      }
      running = null;
      if (stopped) return;
      if (more || again) {
        again = false;
        arm(0);
      } else arm(intervalMs);
    })();
  }

  return {
    start() {
      if (!stopped) return;
      stopped = false;
      arm(0);
    },
    wake() {
      if (stopped) return;
      if (running) again = true;
      else arm(0);
    },
    wakeAt(at, now) {
      if (stopped) return;
      arm(Math.max(0, at - now));
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = null;
      await running;
    },
  };
}
