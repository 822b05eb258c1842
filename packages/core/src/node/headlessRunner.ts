import type { App } from "../app";
import { FixedTime } from "../time/fixedTime";

/** Options for {@link runHeadless}. */
export interface HeadlessRunnerOptions {
  /** Called when `app.update()` throws; the loop stops first. Defaults to logging with console.error. */
  onError?: (error: unknown) => void;
  /** Sleep this long with a timer and spin (setImmediate) for the rest, in ms (default 1.5). */
  spinMarginMs?: number;
}

/** Pacing statistics of a running headless loop. */
export interface HeadlessRunnerStats {
  /** Frames run. */
  frames: number;
  /** Mean lateness of a frame against its due time, in ms. */
  meanLateMs: number;
  /** Worst lateness seen, in ms. */
  maxLateMs: number;
}

/** A running headless loop. */
export interface HeadlessRunner {
  readonly stats: HeadlessRunnerStats;
  /** Resolves when the loop has stopped (after `stop()` or an error). */
  readonly done: Promise<void>;
  /** Stops after the current frame; resolves when stopped. */
  stop(): Promise<void>;
}

/**
 * Runs an app in Node without rendering: one `update()` per fixed tick, woken as close to the
 * tick's due time as the event loop allows. It sleeps with a timer until `spinMarginMs` before the
 * deadline, then yields with `setImmediate` until due, so pacing jitter stays well under a
 * millisecond without burning a core. Requires a real (advancing) clock on the app.
 */
export function runHeadless(app: App, options: HeadlessRunnerOptions = {}): HeadlessRunner {
  const clock = app.clock;
  const spinMargin = (options.spinMarginMs ?? 1.5) / 1000;
  const onError =
    options.onError ?? ((error: unknown) => console.error("Canopy headless runner stopped:", error));
  const stats: HeadlessRunnerStats = { frames: 0, meanLateMs: 0, maxLateMs: 0 };
  let running = true;
  let finish: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });

  let due = clock.now();
  const frame = (): void => {
    if (!running) return finish();
    const now = clock.now();
    if (now < due) {
      const wait = due - now;
      if (wait > spinMargin) setTimeout(frame, (wait - spinMargin) * 1000);
      else setImmediate(frame);
      return;
    }
    const lateMs = (now - due) * 1000;
    stats.frames++;
    stats.meanLateMs += (lateMs - stats.meanLateMs) / stats.frames;
    if (lateMs > stats.maxLateMs) stats.maxLateMs = lateMs;
    try {
      app.update();
    } catch (error) {
      running = false;
      onError(error);
      return finish();
    }
    const fixed = app.getResource(FixedTime);
    // The next frame is due when the accumulator will hold one full step.
    due = clock.now() + Math.max(0, fixed.dt - fixed.accumulator - (clock.now() - now));
    setImmediate(frame);
  };
  setImmediate(frame);

  return {
    stats,
    done,
    stop: () => {
      running = false;
      return done;
    },
  };
}
