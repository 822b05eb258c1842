/**
 * 16-bit wrapping sequence numbers (packet sequences, acks, message ids). A {@link Seq16} is a
 * branded number so it cannot be mixed up with a `Tick` or a count; wrapped values are compared
 * only through these helpers, which treat the half of the circle "ahead" as greater
 * (RFC 1982 serial-number arithmetic): 0 is greater than 65535, and 32768 apart is "behind".
 */

/** A sequence number in 0..65535 that wraps. */
export type Seq16 = number & { readonly __brand: "Seq16" };

/** Brands `n & 0xffff` as a {@link Seq16} (so -1 becomes 65535 and 65536 becomes 0). */
export function asSeq16(n: number): Seq16 {
  return (n & 0xffff) as Seq16;
}

/** Signed wrap-safe distance `a - b` in -32768..32767 (e.g. seqDiff(0, 65535) = 1). */
export function seqDiff(a: Seq16, b: Seq16): number {
  return (((a - b) & 0xffff) << 16) >> 16;
}

/** True if `a` is after `b` on the wrapping circle (seqGreaterThan(0, 65535) is true). */
export function seqGreaterThan(a: Seq16, b: Seq16): boolean {
  return seqDiff(a, b) > 0;
}

/** True if `a` is before `b` on the wrapping circle (seqLessThan(65535, 0) is true). */
export function seqLessThan(a: Seq16, b: Seq16): boolean {
  return seqDiff(a, b) < 0;
}

/** The sequence after `s` (65535 → 0). */
export function nextSeq(s: Seq16): Seq16 {
  return ((s + 1) & 0xffff) as Seq16;
}

/** `s + n` wrapped (n may be negative). */
export function addSeq(s: Seq16, n: number): Seq16 {
  return ((s + n) & 0xffff) as Seq16;
}
