import { FixedTime, getResource, Time } from "@canopy/core";
import { TimeSyncClientResource, TimeSyncServerResource } from "@canopy/net-plugin";
import { describe, expect, it } from "vitest";
import { AppRig } from "./appRig";

/** Continuous tick of an app right after its update: FixedTime.tick + accumulator / dt. */
function continuousTick(fixed: FixedTime): number {
  return fixed.tick + fixed.accumulator / fixed.dt;
}

function p99Abs(values: number[]): number {
  const s = values.map(Math.abs).sort((a, b) => a - b);
  return s[Math.floor(0.99 * (s.length - 1))] ?? NaN;
}

describe("time sync as ECS systems (server App + client Apps)", () => {
  it("two clients with different clocks converge within 2 s to ±1 server tick at p99 under 50 ms jitter", () => {
    const link = { simulatedLatency: 35, jitter: 50, simulatedPacketLoss: 5 };
    const rig = new AppRig({
      clients: 2,
      uplink: link,
      downlink: link,
      seed: 21,
      clientClockStart: (i) => (i === 0 ? 5 : 77_777.125),
    });
    const syncedAt: number[] = [];
    let frames = 0;
    rig.step(120, (c, i) => {
      if (c.sync.sync.timeSynchronized && syncedAt[i] === undefined) syncedAt[i] = frames / 2;
      frames++;
    });
    expect(syncedAt.length).toBe(2);
    for (const t of syncedAt) expect(t / 60).toBeLessThan(2);

    const errors: number[][] = [[], []];
    const serverFixed = rig.server.app.getResource(FixedTime);
    rig.step(600, (c, i) => {
      const world = c.app.world;
      const local = getResource(world, Time).now;
      const est = getResource(world, TimeSyncClientResource).sync.serverTick(local);
      errors[i]?.push(est - continuousTick(serverFixed));
    });
    for (const e of errors) expect(p99Abs(e)).toBeLessThanOrEqual(1);
    // The clock offset is the difference of the two ManualClocks (server started at 1000).
    rig.clients.forEach((c) => {
      const truth = rig.server.clock.now() - c.clock.now();
      expect(Math.abs(c.sync.sync.clockOffset - truth)).toBeLessThan(1 / 60);
    });

    // Per-peer one-way latencies reach the server through the pings (Traktor's names, seconds).
    const server = rig.server.app.getResource(TimeSyncServerResource).sync;
    for (let slot = 0; slot < 2; slot++) {
      const stats = server.peerStats(slot);
      expect(stats?.averageLatency).toBeGreaterThan(0.035);
      expect(stats?.averageLatency).toBeLessThan(0.035 + 0.05 + 2 / 60);
      expect(stats?.averageReverseLatency).toBeGreaterThan(0.035);
      expect(stats?.bestLatency).toBeLessThanOrEqual(stats?.worstLatency ?? 0);
    }
    // Replicator-level numbers on the server: over its peers.
    const a = server.peerStats(0)?.averageLatency ?? NaN;
    const b = server.peerStats(1)?.averageLatency ?? NaN;
    expect(server.averageLatency).toBeCloseTo((a + b) / 2, 9);
    expect(server.bestLatency).toBeLessThanOrEqual(server.averageLatency);
    expect(server.worstLatency).toBeGreaterThanOrEqual(server.averageLatency);
    expect(server.averageReverseLatency).toBeGreaterThan(0.035);
    expect(server.timeSynchronized).toBe(true);
    expect(server.counters.pingsInvalid).toBe(0);
  });
});
