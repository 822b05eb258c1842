/**
 * The wasm update reader's step for an entity whose rotation changed its largest component
 * (decodeEntitiesLargest.ts; Session 7 round 2): a moving world where such entities break the
 * four-entity groups at every position (also first in a group, and several in a row): position and
 * rotation, and with a rarely changing owner int before the rotation (its flag 0 or 1 in the step)
 * or after it (its flag after the rotation's bits); every fifth entity holds the rotation only (its
 * bits can look like the step's, its base mask is not the full one). Every snapshot, every
 * byte-cut prefix of some (a cut inside an entity's bits or its rotation) and single-bit flips of
 * them are decoded by the JS and the wasm kernels: same statuses and states, and every wasm call
 * equal to the JS kernel on a copy (result, reader position, overflowed flag, work rows).
 * Mutations of the step (rotation bit offsets, the prediction bit, the flag counts, the base mask
 * check, the reader sync after the rotation, the flag offset after it) fail it; the mark check's fails wasmDecodeGroups.test.ts.
 */
import { createRng } from "@canopy/core";
import { afterEach, describe, expect, it, vi } from "vitest";
import { BitWriter } from "../../../src/protocol/bitWriter";
import { wasmKernels } from "../../../src/replication/codec/wasm/wasmKernels";
import { BaselineRing, DecodeStatus, SnapshotEncoder, SnapshotState } from "../../../src/replication/index";
import { CAPACITY } from "../kernelFixture";
import { both, client, poseRegistry, spyKernelParity, type OwnerAt } from "./wasmDecodeRig";
import { encodeTick } from "../codecRig";

afterEach(() => {
  wasmKernels.enabled = false;
  vi.restoreAllMocks();
});

function run(seed: number, owner: OwnerAt, largest: number, cuts: boolean): void {
  const rng = createRng(seed);
  const registry = poseRegistry(owner);
  const q = owner === "before" ? 4 : 3; // the rotation's first slot (its largest component's index)
  const o = owner === "before" ? 3 : owner === "after" ? 7 : -1; // the owner's slot
  const encoder = new SnapshotEncoder(registry, CAPACITY);
  const serverRing = new BaselineRing(registry, CAPACITY);
  const current = new SnapshotState(registry, CAPACITY);
  const writer = new BitWriter(64 * 1024);
  const js = client(registry, false);
  const wasm = client(registry, true);
  expect(wasm.decoder.wasm).toBeDefined();
  const parity = spyKernelParity(registry);
  const ids = Math.min(CAPACITY, 58);
  const mask = owner === "none" ? 0b11 : 0b111;
  const rotationBit = owner === "before" ? 0b100 : 0b10;
  const max = (s: number): number => (s < 3 ? 100 * 512 : s === o ? 15 : s === q ? 3 : 511);
  // A few entities hold the rotation only (their bits: no flags, a base mask not the full one).
  const maskOf = (id: number): number => (id % 5 === 2 ? rotationBit : mask);
  for (let id = 0; id < ids; id++) current.setPresent(id, maskOf(id));
  let refusedCuts = 0;
  let invalidFlips = 0;
  for (let tick = 0; tick < 40; tick++) {
    // Runs of entities changing their largest component (several in a row) or single ones.
    let run = 0;
    for (let id = 0; id < ids; id++) {
      const row = id * registry.stride;
      if (run === 0 && tick > 0 && rng.chance(largest)) run = rng.chance(0.3) ? rng.int(2, 5) : 1;
      const changes = tick === 0 || run > 0;
      if (run > 0) run--;
      for (let s = 0; s < registry.stride; s++) {
        if ((s < 3 || s === o) && maskOf(id) !== mask) continue; // the rotation-only entities
        if (s === q && !changes) continue; // the largest kept
        if (s === o && tick > 0 && !rng.chance(0.15)) continue; // mostly unchanged
        const step = rng.chance(0.04) ? rng.int(-3000, 3000) : rng.int(-3, 3);
        const v = (current.values[row + s] as number) + step;
        let next = Math.min(max(s), Math.max(0, tick === 0 ? rng.int(0, max(s)) : v));
        if (s === q && tick > 0) next = ((current.values[row + s] as number) + rng.int(1, 3)) % 4;
        current.values[row + s] = next;
      }
    }
    current.tick = tick;
    encodeTick({ encoder, serverRing, writer }, current, tick, tick - 2, true);
    const bytes = writer.finish().slice();
    if (cuts && tick >= 4 && tick % 6 === 0) {
      // Every byte cut of the packet: refused alike (nothing stored), the whole packet after.
      for (let length = 1; length < bytes.length; length++) {
        const status = both(js, wasm, bytes.slice(0, length), `seed ${seed} tick ${tick} cut ${length}`);
        if (status !== DecodeStatus.Ok) refusedCuts++;
      }
      // Single bit flips in the first third past the sequence (header, counts, the entities' bits): refused alike
      // (Invalid where the JS kernel's reader stops) or decoded alike — then forgotten on both
      // sides (the slot's sequence cleared, the newest sequence put back) before the next flip.
      const newest = [js.decoder.newestSequence, wasm.decoder.newestSequence];
      for (let i = 0; i < 150; i++) {
        const flipped = bytes.slice();
        const at = rng.int(16, (bytes.length * 8) / 3); // past the sequence
        flipped[at >>> 3] = (flipped[at >>> 3] as number) ^ (1 << (at & 7));
        const status = both(js, wasm, flipped, `seed ${seed} tick ${tick} flip ${at}`);
        if (status === DecodeStatus.Invalid) invalidFlips++;
        [js, wasm].forEach((side, k) => {
          const stored = side.ring.get(tick);
          if (stored !== undefined) stored.sequence = -1;
          side.decoder.newestSequence = newest[k] as number;
        });
      }
    }
    expect(both(js, wasm, bytes, `seed ${seed} tick ${tick}`)).toBe(DecodeStatus.Ok);
  }
  expect(parity.calls, "snapshots read by the wasm reader").toBeGreaterThan(30);
  if (cuts) expect([refusedCuts > 100, invalidFlips > 50]).toEqual([true, true]);
}

describe("wasm update reader: entities whose rotation changed its largest component", () => {
  it.each([1, 2, 3])("position + rotation, single and runs of changed-largest entities (seed %i)", (seed) => {
    run(seed, "none", 0.12, false);
  });

  it.each([4, 5])("with an owner field before the rotation (its flag 0 or 1; seed %i)", (seed) => {
    run(seed, "before", 0.12, false);
  });

  it.each([8, 9])("with an owner field after the rotation (its flag after the rotation; seed %i)", (seed) => {
    run(seed, "after", 0.12, false);
  });

  it.each([6, 7, 10])("byte-cut snapshots refused as the JS kernel does (seed %i)", (seed) => {
    run(seed, seed === 6 ? "before" : seed === 7 ? "after" : "none", 0.2, true);
  });
});
