import type { App } from "../app";

/** A running browser loop. */
export interface AnimationFrameRunner {
  /** Stops before the next animation frame. */
  stop(): void;
}

/**
 * Runs an app in the browser: one `update()` per `requestAnimationFrame`. The fixed-step loop
 * inside `update()` decouples the simulation rate from the display rate; render with
 * `FixedTime.alpha` to interpolate between fixed ticks.
 */
export function runAnimationFrames(
  app: App,
  onError: (error: unknown) => void = (error) => console.error("Canopy frame loop stopped:", error),
): AnimationFrameRunner {
  let handle = 0;
  let running = true;
  const frame = (): void => {
    if (!running) return;
    try {
      app.update();
    } catch (error) {
      running = false;
      onError(error);
      return;
    }
    handle = requestAnimationFrame(frame);
  };
  handle = requestAnimationFrame(frame);
  return {
    stop: () => {
      running = false;
      cancelAnimationFrame(handle);
    },
  };
}
