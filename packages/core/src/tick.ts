/**
 * Fixed-step tick numbers. A `Tick` counts fixed simulation steps since the app started; it is a
 * branded number so it cannot be mixed up with frame counts, sequence numbers or seconds.
 */
export type Tick = number & { readonly __brand: "Tick" };

/** Brands a non-negative integer as a {@link Tick}; throws on anything else. */
export function asTick(value: number): Tick {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`A tick must be a non-negative safe integer, got ${value}.`);
  }
  return value as Tick;
}

/** The tick `count` steps after `tick` (count may be negative; the result is clamped at 0). */
export function addTicks(tick: Tick, count: number): Tick {
  return Math.max(0, tick + count) as Tick;
}

/** Signed distance `b - a` in ticks. */
export function ticksBetween(a: Tick, b: Tick): number {
  return b - a;
}
