import { describe, expect, it } from "vitest";
import { HZ, quantileAbs, TimeSyncRig } from "./harness";

const TICK = 1 / HZ;
/** Float slack on tick comparisons (times are sums of 1/240 s steps). */
const EPS = 1e-6;

/** Runs until synchronized (≤ maxSeconds) and returns the simulated seconds it took. */
function syncTime(rig: TimeSyncRig, maxSeconds = 5): number {
  const t0 = rig.clock.now();
  while (!rig.sync.timeSynchronized && rig.clock.now() - t0 < maxSeconds) rig.run(1 / HZ);
  return rig.clock.now() - t0;
}

/** p-quantile of raw values. */
function quantile(values: readonly number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? NaN;
}

/**
 * Arrival/remote estimates track the fastest legs seen, so jitter and frame waits the filter never
 * saw below make them conservative: arrival never earlier than a jitter-free message (−1 tick
 * at p1), at most 2 ticks later (p99); remote mirrored.
 */
function expectOneSided(e: { arrival: number[]; remote: number[] }, label: string): void {
  expect(quantile(e.arrival, 0.01), label).toBeGreaterThanOrEqual(-1 - EPS);
  expect(quantile(e.arrival, 0.99), label).toBeLessThanOrEqual(2 + EPS);
  expect(quantile(e.remote, 0.99), label).toBeLessThanOrEqual(1 + EPS);
  expect(quantile(e.remote, 0.01), label).toBeGreaterThanOrEqual(-2 - EPS);
}

/** Collects per-client-frame errors (in ticks) of the three tick estimates for `seconds`. */
function measure(rig: TimeSyncRig, seconds: number, upMs: number, downMs: number) {
  const now: number[] = [];
  const arrival: number[] = [];
  const remote: number[] = [];
  rig.onClientFrame = (local) => {
    const t = rig.clock.now();
    now.push(rig.sync.serverTick(local) - rig.trueTick(t));
    // Truth for a message without jitter: the server acts on it at its next frame after the base
    // uplink delay; the newest pong that can be here left at the last server frame before t − down.
    arrival.push(rig.sync.arrivalTick(local) - rig.trueTick(rig.nextServerFrame(t + upMs / 1000)));
    remote.push(rig.sync.remoteTick(local) - rig.trueTick(rig.lastServerFrame(t - downMs / 1000)));
  };
  rig.run(seconds);
  rig.onClientFrame = undefined;
  return { now, arrival, remote };
}

describe("time sync over NetClient/NetServer under the link conditioner", () => {
  for (const seed of [1, 2, 3]) {
    it(`converges within ±1 tick at p99 in < 2 s under 50 ms jitter (seed ${seed})`, () => {
      const jittery = { simulatedLatency: 40, jitter: 50, simulatedPacketLoss: 5 };
      const rig = new TimeSyncRig({ uplink: jittery, downlink: jittery, seed, clientOffset: 1234.567 });
      const t = syncTime(rig);
      expect(t, `seed ${seed}`).toBeLessThan(2);
      const e = measure(rig, 10, 40, 40);
      expect(quantileAbs(e.now, 0.99), `seed ${seed}`).toBeLessThanOrEqual(1 + EPS);
      expectOneSided(e, `seed ${seed}`);
      expect(rig.sync.timeVariance).toBeLessThan(0.008);
      expect(Math.abs(rig.sync.clockOffset + 1234.567)).toBeLessThan(TICK);
    });
  }

  it("asymmetric 30/80 ms + 50 ms jitter: arrival/remote ticks unbiased by asymmetry; server-now off by half of it", () => {
    const rig = new TimeSyncRig({
      uplink: { simulatedLatency: 30, jitter: 50 },
      downlink: { simulatedLatency: 80, jitter: 50 },
      seed: 7,
      clientOffset: -99.25,
    });
    expect(syncTime(rig)).toBeLessThan(2);
    const e = measure(rig, 10, 30, 80);
    expectOneSided(e, "asymmetric");
    // No two-way exchange can observe asymmetry: "server now" is off by (up − down)/2 = −25 ms.
    const bias = ((30 - 80) / 2 / 1000) * HZ;
    expect(
      quantileAbs(
        e.now.map((x) => x - bias),
        0.99,
      ),
    ).toBeLessThanOrEqual(1 + EPS);
  });

  it("one-way latencies under Traktor's names, on the client and (reported) on the server", () => {
    const rig = new TimeSyncRig({
      uplink: { simulatedLatency: 40, jitter: 20 },
      downlink: { simulatedLatency: 40, jitter: 20 },
      seed: 11,
    });
    rig.run(4);
    const s = rig.sync;
    // 40 ms base + 0..20 ms jitter + up to one frame waiting for the peer's next frame.
    expect(s.averageLatency).toBeGreaterThan(0.04);
    expect(s.averageLatency).toBeLessThan(0.04 + 0.02 + TICK);
    expect(s.averageReverseLatency).toBeGreaterThan(0.04);
    expect(s.averageReverseLatency).toBeLessThan(0.04 + 0.02 + TICK);
    expect(s.bestLatency).toBeLessThanOrEqual(s.averageLatency);
    expect(s.worstLatency).toBeGreaterThanOrEqual(s.averageLatency);
    expect(s.worstLatency).toBeGreaterThan(s.bestLatency);
    const peer = rig.serverSync.peerStats(0);
    expect(peer?.pings).toBeGreaterThan(10);
    expect(peer?.averageLatency).toBeCloseTo(s.averageReverseLatency, 1);
    expect(peer?.averageReverseLatency).toBeCloseTo(s.averageLatency, 1);
  });

  it("recovers from a jump of the local clock and stays right under 200 ppm drift", () => {
    const jittery = { simulatedLatency: 25, jitter: 30 };
    const rig = new TimeSyncRig({
      uplink: jittery,
      downlink: jittery,
      seed: 5,
      clientOffset: 10,
      drift: 200e-6,
    });
    expect(syncTime(rig)).toBeLessThan(2);
    rig.run(10);
    expect(quantileAbs(measure(rig, 5, 25, 25).now, 0.99)).toBeLessThanOrEqual(1 + EPS);
    rig.clientJump = 0.5;
    rig.run(4);
    expect(rig.sync.counters.clockResets).toBeGreaterThanOrEqual(1);
    expect(rig.sync.timeSynchronized).toBe(true);
    expect(quantileAbs(measure(rig, 5, 25, 25).now, 0.99)).toBeLessThanOrEqual(1 + EPS);
  });
});
