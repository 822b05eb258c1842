/**
 * The encoder's `out` (what the client holds once it decodes the snapshot, the next baseline) on
 * registries whose fields all decode exactly (Vec3, Quat, Float without thresholds): when
 * everything goes out it is a copy of the current state (expectedState.ts, "whole"); with a budget
 * or an interest filter it is built from the baseline. Either way it must equal what the client
 * decoded, tick after tick, with prediction from an older acknowledged state.
 */
import { describe, expect, it } from "vitest";
import { BitWriter } from "../../src/protocol/bitWriter";
import {
  BaselineRing,
  DecodeStatus,
  FloatTemplate,
  QuatTemplate,
  ReplicationRegistry,
  SnapshotDecoder,
  SnapshotEncoder,
  type SnapshotState,
  Vec3Template,
} from "../../src/replication/index";
import { CAPACITY, RandomWorld } from "./codecFixture";

function exactRegistry(): ReplicationRegistry {
  const registry = new ReplicationRegistry();
  const soa = (keys: string[]) => Object.fromEntries(keys.map((k) => [k, new Float32Array(CAPACITY)]));
  registry.replicate(soa(["x", "y", "z"]), Vec3Template({ min: -100, max: 100, precision: 1 / 64 }), {
    name: "position",
  });
  registry.replicate(soa(["x", "y", "z", "w"]), QuatTemplate({ bits: 9 }), { name: "rotation" });
  registry.replicate(new Float32Array(CAPACITY), FloatTemplate({ min: 0, max: 100, precision: 0.5 }), {
    name: "health",
  });
  return registry;
}

describe("the encoder's expected client state", () => {
  it.each([
    ["everything sent", 21, "none"],
    ["a 300 B budget", 22, "budget"],
    ["an interest filter", 23, "relevant"],
  ] as const)("equals the decoded state with %s (seed %i)", (_name, seed, mode) => {
    const registry = exactRegistry();
    const world = new RandomWorld(registry, seed, 0.03);
    const encoder = new SnapshotEncoder(registry, CAPACITY);
    const decoder = new SnapshotDecoder(registry, CAPACITY);
    const serverRing = new BaselineRing(registry, CAPACITY);
    const clientRing = new BaselineRing(registry, CAPACITY);
    const writer = new BitWriter(64 * 1024);
    const relevant = new Uint8Array(CAPACITY).fill(1);
    const ackDelay = 4;
    let wholeTicks = 0;
    for (let tick = 0; tick < 150; tick++) {
      world.step();
      if (mode === "relevant")
        for (let id = 0; id < CAPACITY; id++) relevant[id] = world.rng.chance(0.9) ? 1 : 0;
      if (tick >= ackDelay) serverRing.markAcked(tick - ackDelay);
      const baseline = serverRing.newestAckedState();
      writer.reset();
      const result = encoder.encode(writer, {
        sequence: tick,
        tick,
        current: world.state,
        baseline,
        reference: baseline === undefined ? undefined : serverRing.referenceFor(baseline, tick),
        out: serverRing.acquire(tick),
        budgetBytes: mode === "budget" ? 300 : undefined,
        relevant: mode === "relevant" ? relevant : undefined,
      });
      if (result.deferred === 0 && mode === "none") wholeTicks++;
      expect(decoder.decode(writer.finish(), clientRing), `tick ${tick}`).toBe(DecodeStatus.Ok);
      const decoded = clientRing.get(tick) as SnapshotState;
      const expected = serverRing.get(tick) as SnapshotState;
      expect(decoded.equals(expected), `seed ${seed} tick ${tick}`).toBe(true);
      if (mode === "none") expect(decoded.equals(world.state), `tick ${tick}`).toBe(true);
      // A row version equal to the current one promises an equal row (the next encode skips it).
      for (let id = 0; id < expected.highWater; id++) {
        if (expected.present[id] !== 1 || expected.version[id] === 0) continue;
        if (expected.version[id] !== world.state.version[id]) continue;
        const o = id * expected.stride;
        for (let s = 0; s < expected.stride; s++)
          expect(expected.values[o + s], `id ${id}`).toBe(world.state.values[o + s]);
      }
    }
    if (mode === "none") expect(wholeTicks).toBe(150);
  });
});
