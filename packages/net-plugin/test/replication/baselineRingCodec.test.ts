/**
 * The reference window through the codec: the encoder never picks a reference older than
 * REFERENCE_WINDOW sequences behind the baseline (none when the baseline is more than that behind
 * the tick), the decoder refuses one as Invalid, and both
 * rings' free rule holds on a lossy, reordering link with short and long ack delays — every
 * decoded snapshot equals the server's expected state, nothing is Invalid, and a MissingBaseline
 * happens only when packets arrive out of order (a late packet whose reference fell below the
 * client's floor: it would have been Stale, not applied, anyway).
 */
import { createRng } from "@canopy/core";
import { describe, expect, it } from "vitest";
import { BitWriter } from "../../src/protocol/bitWriter";
import { REFERENCE_AGE_BITS, REFERENCE_WINDOW } from "../../src/replication/codec/predict";
import { TICK_K } from "../../src/replication/codec/encodePlan";
import { WordWriter } from "../../src/replication/codec/wordBits";
import {
  BaselineRing,
  DecodeStatus,
  FloatTemplate,
  QuatTemplate,
  ReplicationRegistry,
  SnapshotDecoder,
  SnapshotEncoder,
  SnapshotState,
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

/** `bytes` with the 6-bit reference age of its header set to `age` (bits are LSB-first, little-endian). */
function withReferenceAge(bytes: Uint8Array, tick: number, age: number): Uint8Array {
  const prefix = new WordWriter();
  prefix.writeBits(0, 16); // sequence
  prefix.writeExpGolomb(tick, TICK_K);
  prefix.writeBits(0, 1 + 16 + 1); // has baseline, baseline sequence, has reference
  const at = prefix.bitsWritten;
  const out = bytes.slice();
  for (let b = 0; b < REFERENCE_AGE_BITS; b++) {
    const bit = at + b;
    const byte = out[bit >>> 3] as number;
    out[bit >>> 3] = (age >>> b) & 1 ? byte | (1 << (bit & 7)) : byte & ~(1 << (bit & 7));
  }
  return out;
}

describe("the reference window", () => {
  it("the decoder refuses a reference older than REFERENCE_WINDOW as Invalid (that state still held)", () => {
    const registry = exactRegistry();
    const world = new RandomWorld(registry, 5, 0.03);
    const encoder = new SnapshotEncoder(registry, CAPACITY);
    const decoder = new SnapshotDecoder(registry, CAPACITY);
    const serverRing = new BaselineRing(registry, CAPACITY);
    const clientRing = new BaselineRing(registry, CAPACITY);
    const writer = new BitWriter(64 * 1024);
    for (let tick = 0; tick <= 40; tick++) {
      world.step();
      if (tick >= 2) serverRing.markAcked(tick - 2);
      const baseline = serverRing.newestAckedState();
      const reference = baseline && serverRing.referenceFor(baseline, tick);
      writer.reset();
      const out = serverRing.acquireForEncode(tick);
      encoder.encode(writer, { sequence: tick, tick, current: world.state, baseline, reference, out });
      const bytes = writer.finish();
      if (tick < 40) {
        expect(decoder.decode(bytes, clientRing)).toBe(DecodeStatus.Ok);
        continue;
      }
      expect(reference).toBeDefined();
      // Baseline 38 is newer than the last one named (37): the client still holds 38 − W − 1.
      expect(clientRing.get(38 - REFERENCE_WINDOW - 1)).toBeDefined();
      for (const age of [REFERENCE_WINDOW + 1, 63]) {
        expect(decoder.decode(withReferenceAge(bytes, tick, age), clientRing), `age ${age}`).toBe(
          DecodeStatus.Invalid,
        );
      }
      expect(decoder.counters.snapshotsInvalid).toBe(2);
      expect(decoder.decode(bytes, clientRing)).toBe(DecodeStatus.Ok);
      expect((clientRing.get(40) as SnapshotState).equals(out)).toBe(true);
    }
  });

  it.each([
    ["in order, lossy, acks 6 ticks old", 31, 6, false],
    ["in order, lossy, acks 12 ticks old", 35, 12, false],
    ["in order, lossy, acks 30 ticks old", 32, 30, false],
    ["reordered, lossy, acks 6 ticks old", 33, 6, true],
    ["reordered, lossy, acks 30 ticks old", 34, 30, true],
  ] as const)("both rings free and reuse states: %s (seed %i)", (_name, seed, ackDelay, reorder) => {
    const registry = exactRegistry();
    const world = new RandomWorld(registry, seed, 0.03);
    const rng = createRng(seed * 7);
    const encoder = new SnapshotEncoder(registry, CAPACITY);
    const decoder = new SnapshotDecoder(registry, CAPACITY);
    const serverRing = new BaselineRing(registry, CAPACITY);
    const clientRing = new BaselineRing(registry, CAPACITY);
    const writer = new BitWriter(64 * 1024);
    const expected = new Map<number, SnapshotState>();
    // In flight: [arrival tick, sequence, bytes] to the client; [arrival tick, sequence] acks back.
    let packets: [number, number, Uint8Array][] = [];
    let acks: [number, number][] = [];
    const counts = [0, 0, 0, 0, 0, 0];
    let referenced = 0;
    let aboveOne = 0;
    for (let tick = 0; tick < 400; tick++) {
      world.step();
      for (const [, q] of acks.filter((a) => a[0] <= tick)) serverRing.markAcked(q);
      acks = acks.filter((a) => a[0] > tick);
      const baseline = serverRing.newestAckedState();
      const reference = baseline === undefined ? undefined : serverRing.referenceFor(baseline, tick);
      if (baseline !== undefined && reference !== undefined) {
        const age = (baseline.sequence - reference.sequence) & 0xffff;
        expect(age >= 1 && age <= REFERENCE_WINDOW, `age ${age}`).toBe(true);
        referenced++;
        if (tick - baseline.tick > baseline.tick - reference.tick) aboveOne++;
      }
      writer.reset();
      const out = serverRing.acquireForEncode(tick);
      encoder.encode(writer, { sequence: tick, tick, current: world.state, baseline, reference, out });
      const copy = new SnapshotState(registry, CAPACITY);
      copy.copyFrom(out);
      expected.set(tick, copy);
      expected.delete(tick - 200);
      if (!rng.chance(0.1))
        packets.push([
          tick + (reorder && rng.chance(0.1) ? rng.int(1, 4) : 0),
          tick,
          writer.finish().slice(),
        ]);
      const due = packets.filter((p) => p[0] <= tick);
      packets = packets.filter((p) => p[0] > tick);
      for (const [, q, bytes] of due) {
        const status = decoder.decode(bytes, clientRing);
        counts[status] = (counts[status] as number) + 1;
        if (status !== DecodeStatus.Ok && status !== DecodeStatus.Stale) continue;
        const want = expected.get(q) as SnapshotState;
        expect((clientRing.get(q) as SnapshotState).equals(want), `seed ${seed} sequence ${q}`).toBe(true);
        if (!rng.chance(0.1)) acks.push([tick + ackDelay, q]);
      }
    }
    expect(counts[DecodeStatus.Invalid]).toBe(0);
    expect(counts[DecodeStatus.Truncated]).toBe(0);
    if (!reorder) expect(counts[DecodeStatus.MissingBaseline]).toBe(0);
    // (The reordered runs do see late packets.)
    else
      expect(
        (counts[DecodeStatus.Stale] as number) + (counts[DecodeStatus.MissingBaseline] as number),
      ).toBeGreaterThan(0);
    expect(counts[DecodeStatus.Ok]).toBeGreaterThan(300);
    if (ackDelay <= REFERENCE_WINDOW) expect(referenced).toBeGreaterThan(300);
    // A baseline over a window behind predicts from nothing (no 1:1 reference in the window).
    else expect(referenced).toBe(0);
    // Lost acks leave only references newer than 1:1 (ratio > 1): decoded exactly all the same.
    if (ackDelay === 12) expect(aboveOne).toBeGreaterThan(0);
    // The free rule ran on both ends: nothing far behind the newest baseline is kept.
    for (const ring of [serverRing, clientRing]) {
      expect(ring.floor).toBeGreaterThanOrEqual(0);
      expect(ring.get((ring.floor - 1) & 0xffff)).toBeUndefined();
    }
  });
});
