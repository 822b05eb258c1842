/**
 * Bandwidth sampling of LinkEstimator with the call count (the clock is read only on the last two
 * calls of a sample period, so a once-per-tick caller in unoptimized code allocates no heap
 * number per tick): samples still come every `Timing.bandwidthSampleSeconds` at a steady call
 * rate, at most the skipped calls late after the caller slows down, and every sample's rate is
 * the bytes divided by the real elapsed time.
 */
import { describe, expect, it } from "vitest";
import { Timing } from "../../src/protocol/constants";
import { LinkEstimator } from "../../src/reliability/linkEstimator";

/** Calls `updateBandwidth` at `times`, sending `bytes` before each call; returns the samples (time, rate). */
function run(e: LinkEstimator, times: number[], bytes: number): { at: number; rate: number }[] {
  const samples: { at: number; rate: number }[] = [];
  for (const t of times) {
    e.countSent(bytes);
    const before = e.sentBytesPerSecond;
    e.updateBandwidth(t);
    if (e.sentBytesPerSecond !== before)
      samples.push({ at: t, rate: before + (e.sentBytesPerSecond - before) / Timing.statsSmoothing });
  }
  return samples;
}

describe("LinkEstimator bandwidth sampling", () => {
  it("samples every period at 60 Hz, late by at most the skipped calls after a slow-down, with exact rates", () => {
    const e = new LinkEstimator();
    const dt = 1 / 60;
    e.updateBandwidth(1);
    const fast = Array.from({ length: 180 }, (_, i) => 1 + (i + 1) * dt);
    const steady = run(e, fast, 100);
    expect(steady.length).toBeGreaterThanOrEqual(25);
    for (let i = 1; i < steady.length; i++) {
      const gap = steady[i]!.at - steady[i - 1]!.at;
      expect(gap).toBeGreaterThanOrEqual(Timing.bandwidthSampleSeconds - 1e-9);
      expect(gap).toBeLessThanOrEqual(Timing.bandwidthSampleSeconds + dt + 1e-9);
      // The bytes of the period's calls over the real elapsed time: 100 B per 1/60 s.
      expect(steady[i]!.rate).toBeCloseTo(100 / dt, 6);
    }
    // The caller drops to 4 Hz: the first sample waits for the calls it skips (≤ 5 here), then
    // every call samples (each is a whole period or more apart).
    const last = fast[fast.length - 1]!;
    const slow = Array.from({ length: 20 }, (_, i) => last + (i + 1) * 0.25);
    const after = run(e, slow, 100);
    const lastSteady = steady[steady.length - 1]!.at;
    expect(after[0]!.at - lastSteady).toBeLessThanOrEqual(6 * 0.25 + 1e-9);
    for (let i = 1; i < after.length; i++) {
      expect(after[i]!.at - after[i - 1]!.at).toBeCloseTo(0.25, 9);
      expect(after[i]!.rate).toBeCloseTo(100 / 0.25, 6);
    }
    expect(after.length).toBeGreaterThanOrEqual(14);
  });

  it("reset forgets the learned count", () => {
    const e = new LinkEstimator();
    e.updateBandwidth(0);
    run(
      e,
      Array.from({ length: 60 }, (_, i) => (i + 1) / 60),
      10,
    ); // learns ~6 calls a period
    e.reset();
    e.updateBandwidth(16);
    // After a reset the first call a period or more later samples at once.
    e.countSent(500);
    e.updateBandwidth(16.25);
    expect(e.sentBytesPerSecond).toBeCloseTo((500 / 0.25) * Timing.statsSmoothing, 6);
  });
});
