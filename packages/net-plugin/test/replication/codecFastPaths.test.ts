/**
 * The codec's specialised paths for slots and smallest-three fields: codes too long for one
 * 32-bit word (30-bit positions teleporting across the arena), predicted residuals, rotations
 * whose largest component changes, and fields mixed with generic templates — all must decode to
 * exactly the server's quantized state.
 */
import { createRng } from "@canopy/core";
import { describe, expect, it } from "vitest";
import { BitWriter } from "../../src/protocol/bitWriter";
import {
  BaselineRing,
  BoolTemplate,
  DecodeStatus,
  FloatTemplate,
  QuatTemplate,
  ReplicationRegistry,
  SnapshotDecoder,
  SnapshotEncoder,
  SnapshotState,
  Vec3Template,
} from "../../src/replication/index";

const CAPACITY = 64;

function registry(): ReplicationRegistry {
  const r = new ReplicationRegistry();
  const soa = (keys: string[]) => Object.fromEntries(keys.map((k) => [k, new Float32Array(CAPACITY)]));
  // 2e6 / 0.002 = 1e9 steps: 30-bit slots, so a jump across the range needs a > 32-bit code.
  r.replicate(soa(["x", "y", "z"]), Vec3Template({ min: -1e6, max: 1e6, precision: 0.002 }), {
    name: "position",
  });
  r.replicate(soa(["x", "y", "z", "w"]), QuatTemplate({ bits: 12 }), { name: "rotation" });
  r.replicate(new Float32Array(CAPACITY), FloatTemplate({ min: 0, max: 10, precision: 0.1 }), {
    name: "health",
  });
  r.replicate(new Uint8Array(CAPACITY), BoolTemplate(), { name: "alive" });
  return r;
}

describe("snapshot codec fast paths", () => {
  it.each([7, 8, 9])(
    "long codes, predicted residuals and rotation index changes round-trip exactly (seed %i)",
    (seed) => {
      const reg = registry();
      const rng = createRng(seed);
      const state = new SnapshotState(reg, CAPACITY);
      const stride = state.stride;
      const [pos, rot, health, alive] = reg.fields.map((f) => f.offset) as [number, number, number, number];
      const maxPos = 1_000_000_000;
      for (let id = 0; id < 40; id++) {
        state.setPresent(id, id % 3 === 0 ? 0b0011 : 0b1111);
        const o = id * stride;
        for (let s = 0; s < 3; s++) state.values[o + pos + s] = rng.int(0, maxPos);
        state.values[o + rot] = rng.int(0, 3);
        for (let s = 1; s < 4; s++) state.values[o + rot + s] = rng.int(0, 4095);
        state.values[o + health] = rng.int(0, 100);
        state.values[o + alive] = rng.int(0, 1);
      }
      const encoder = new SnapshotEncoder(reg, CAPACITY);
      const decoder = new SnapshotDecoder(reg, CAPACITY);
      const serverRing = new BaselineRing(reg, CAPACITY);
      const clientRing = new BaselineRing(reg, CAPACITY);
      const writer = new BitWriter(64 * 1024);
      const velocity = new Int32Array(CAPACITY * 3);
      for (let i = 0; i < velocity.length; i++) velocity[i] = rng.int(-5000, 5000);
      for (let tick = 0; tick < 90; tick++) {
        for (let id = 0; id < 40; id++) {
          const o = id * stride;
          for (let s = 0; s < 3; s++) {
            let v = (state.values[o + pos + s] as number) + (velocity[id * 3 + s] as number);
            // Now and then a teleport to the far end of the range (a > 32-bit code).
            if (rng.chance(0.03)) v = v < maxPos / 2 ? maxPos - rng.int(0, 10) : rng.int(0, 10);
            state.values[o + pos + s] = Math.max(0, Math.min(maxPos, v));
          }
          if (rng.chance(0.1)) state.values[o + rot] = rng.int(0, 3);
          for (let s = 1; s < 4; s++)
            state.values[o + rot + s] = Math.max(
              0,
              Math.min(4095, (state.values[o + rot + s] as number) + rng.int(-40, 40)),
            );
          if (rng.chance(0.2)) state.values[o + health] = rng.int(0, 100);
          if (rng.chance(0.1)) state.values[o + alive] = 1 - (state.values[o + alive] as number);
        }
        if (tick >= 4) serverRing.markAcked((tick - 4) & 0xffff);
        const baseline = serverRing.newestAckedState();
        const reference = baseline !== undefined ? serverRing.referenceFor(baseline, tick) : undefined;
        writer.reset();
        encoder.encode(writer, {
          sequence: tick,
          tick,
          current: state,
          baseline,
          reference,
          out: serverRing.acquire(tick),
        });
        expect(writer.overflowed).toBe(false);
        const status = decoder.decode(writer.finish(), clientRing);
        expect(status, `seed ${seed} tick ${tick}`).toBe(DecodeStatus.Ok);
        expect(clientRing.get(tick)?.equals(state), `seed ${seed} tick ${tick}`).toBe(true);
      }
      expect(decoder.counters.snapshotsInvalid).toBe(0);
    },
  );
});
