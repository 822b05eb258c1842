import { describe, expect, it } from "vitest";
import { LinkEstimator } from "../../src/reliability/linkEstimator";
import { ReliableEndpoint } from "../../src/reliability/index";

describe("LinkEstimator", () => {
  it("smooths RTT and reports best and worst of the recent samples only", () => {
    const e = new LinkEstimator();
    expect(e.planningRtt).toBe(0.1); // before any sample
    e.addRttSample(0.5); // an early outlier
    expect(e.rttSmoothed).toBe(0.5);
    for (let i = 0; i < 200; i++) e.addRttSample(0.1 + (i % 2) * 0.02);
    expect(e.rttSmoothed).toBeGreaterThan(0.1);
    expect(e.rttSmoothed).toBeLessThan(0.12);
    expect(e.rttBest).toBeCloseTo(0.1, 12);
    expect(e.rttWorst).toBeCloseTo(0.12, 12); // the 0.5 outlier left the 64-sample window
  });

  it("estimates loss in percent and bandwidth in bytes per second", () => {
    const e = new LinkEstimator();
    e.addLossSample(8, 32);
    expect(e.packetLossPercent).toBe(25);
    e.addLossSample(0, 32);
    expect(e.packetLossPercent).toBeCloseTo(25 * 0.75, 9);
    e.updateBandwidth(0);
    for (let t = 1; t <= 100; t++) {
      e.countSent(1000);
      e.countReceived(500);
      e.countAcked(900);
      e.updateBandwidth(t * 0.1);
    }
    expect(e.sentBytesPerSecond).toBeCloseTo(10_000, 3);
    expect(e.receivedBytesPerSecond).toBeCloseTo(5_000, 3);
    expect(e.ackedBytesPerSecond).toBeCloseTo(9_000, 3);
    e.reset();
    expect(e.sentBytesPerSecond).toBe(0);
    expect(e.planningRtt).toBe(0.1);
  });
});

describe("LinkEstimator without allocation in steady state", () => {
  it("lets a loss estimate decay to exactly 0 (Timing.lossPercentFloor), then stops folding", () => {
    const e = new LinkEstimator();
    e.addLossSample(1, 32);
    let samples = 0;
    while (e.packetLossPercent > 0 && samples < 1000) {
      e.addLossSample(0, 32);
      samples++;
    }
    expect(e.packetLossPercent).toBe(0);
    expect(samples).toBeLessThan(50); // 3.125 % × 0.75^n < 0.001 % after ~28 samples
    e.addLossSample(0, 32);
    expect(e.packetLossPercent).toBe(0);
    e.addLossSample(4, 32); // a new loss moves it again
    expect(e.packetLossPercent).toBeCloseTo(12.5 * 0.25, 9);
  });

  it("takes an acked packet record: RTT sample from its send time, its bytes as acked", () => {
    const e = new LinkEstimator();
    e.addAckedPacket({ time: 1.25, bytes: 300 }, 1.3);
    expect(e.rttSmoothed).toBeCloseTo(0.05, 12);
    e.addAckedPacket({ time: 2, bytes: 100 }, 1.9); // clock skew: clamped to 0
    expect(e.rttBest).toBe(0);
    e.updateBandwidth(0);
    e.updateBandwidth(10);
    expect(e.ackedBytesPerSecond).toBeCloseTo((400 / 10) * 0.25, 9);
  });
});

describe("resend timing", () => {
  it("resends an unacked reliable message after resendRttFactor × RTT, not before", () => {
    const sentAt = (factor: number): number[] => {
      const times: number[] = [];
      const e = new ReliableEndpoint({
        channels: [{ kind: "reliable-ordered", resendRttFactor: factor }],
        transmit: () => times.push(e.time),
      });
      e.send(0, Uint8Array.of(1));
      for (let i = 0; i <= 30; i++) {
        e.update(i / 100);
        e.writePackets();
      }
      return times.map((x) => Math.round(x * 100) / 100);
    };
    // No ack ever comes back; RTT is the initial 0.1 s guess.
    expect(sentAt(0.5)).toEqual([0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3]);
    expect(sentAt(1.25)).toEqual([0, 0.13, 0.26]);
    expect(sentAt(0.1)).toEqual([0, 0.03, 0.06, 0.09, 0.12, 0.15, 0.18, 0.21, 0.24, 0.27, 0.3]); // 30 ms floor
  });
});
