/** Option checks shared by the transports. */

/** Checks a `maxDatagramSize` option and returns it (or the default); throws on misuse. */
export function checkMaxDatagramSize(value: number | undefined, fallback: number, limit: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value <= 0 || value > limit) {
    throw new RangeError(`maxDatagramSize must be an integer in 1..${limit} bytes, got ${value}.`);
  }
  return value;
}
