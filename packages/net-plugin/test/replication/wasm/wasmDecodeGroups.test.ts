/**
 * The wasm update reader's four-entity step where a group breaks (Session 7): a steady moving world
 * (every entity moves and mostly keeps its rotation's largest component, so runs of four take the
 * vector path) in which some entities change their largest component, rest (not updated), leave
 * (absent ids inside a group's ids) or come back (ids marked spawned in the snapshot) — so groups
 * end early at every position and the leading entities take the partial step. Every snapshot is
 * decoded by the JS and the wasm kernels (same statuses and states, every wasm call compared with
 * the JS kernel on a copy), and the value columns' groups holding exceptions (the fused pass) are
 * hit by positions that sometimes jump.
 */
import { createRng } from "@canopy/core";
import { afterEach, describe, expect, it, vi } from "vitest";
import { BitWriter } from "../../../src/protocol/bitWriter";
import { wasmKernels } from "../../../src/replication/codec/wasm/wasmKernels";
import { BaselineRing, DecodeStatus, SnapshotEncoder, SnapshotState } from "../../../src/replication/index";
import { CAPACITY } from "../kernelFixture";
import { both, client, poseRegistry, spyKernelParity } from "./wasmDecodeRig";
import { encodeTick } from "../codecRig";

afterEach(() => {
  wasmKernels.enabled = false;
  vi.restoreAllMocks();
});

/** Runs the world for `ticks` with the given per-entity, per-tick chances. */
function brokenGroups(
  seed: number,
  owner: boolean,
  chances: { largest: number; rest: number; leave: number },
): void {
  const rng = createRng(seed);
  const registry = poseRegistry(owner ? "after" : "none");
  const encoder = new SnapshotEncoder(registry, CAPACITY);
  const serverRing = new BaselineRing(registry, CAPACITY);
  const current = new SnapshotState(registry, CAPACITY);
  const writer = new BitWriter(64 * 1024);
  const js = client(registry, false);
  const wasm = client(registry, true);
  expect(wasm.decoder.wasm).toBeDefined();
  const parity = spyKernelParity(registry);
  const ids = Math.min(CAPACITY, 61);
  const mask = owner ? 0b111 : 0b11;
  const max = (s: number): number => (s < 3 ? 100 * 512 : s === 3 ? 3 : s < 7 ? 511 : 15);
  for (let id = 0; id < ids; id++) current.setPresent(id, mask);
  for (let tick = 0; tick < 80; tick++) {
    for (let id = 0; id < ids; id++) {
      const row = id * registry.stride;
      if (tick > 0 && rng.chance(chances.leave)) {
        // Leaves, or comes back with new values (marked spawned in this snapshot).
        if (current.present[id] === 1) current.remove(id);
        else current.setPresent(id, mask);
      }
      if (current.present[id] !== 1 || (tick > 0 && rng.chance(chances.rest))) continue;
      for (let s = 0; s < registry.stride; s++) {
        if (s === 3 && tick > 0 && !rng.chance(chances.largest)) continue; // the largest kept
        if (s === 7 && tick > 0 && !rng.chance(0.1)) continue; // the owner: mostly unchanged
        // Mostly small steps; now and then a jump (an exception in its column).
        const step = rng.chance(0.04) ? rng.int(-3000, 3000) : rng.int(-3, 3);
        const v = (current.values[row + s] as number) + step;
        current.values[row + s] = Math.min(
          max(s),
          Math.max(0, tick === 0 || s === 3 ? rng.int(0, max(s)) : v),
        );
      }
    }
    current.tick = tick;
    encodeTick({ encoder, serverRing, writer }, current, tick, tick - 2, true);
    expect(both(js, wasm, writer.finish().slice(), `seed ${seed} tick ${tick}`)).toBe(DecodeStatus.Ok);
  }
  expect(parity.calls, "snapshots read by the wasm reader").toBeGreaterThan(60);
  expect(parity.refused).toBe(0);
}

describe("wasm update reader: four-entity groups that break", () => {
  it.each([1, 2, 3])("largest components changing, entities resting, two fields (seed %i)", (seed) => {
    brokenGroups(seed, false, { largest: 0.1, rest: 0.05, leave: 0 });
  });

  it.each([4, 5])("entities leaving and coming back inside groups (seed %i)", (seed) => {
    brokenGroups(seed, false, { largest: 0.08, rest: 0.02, leave: 0.04 });
  });

  it.each([6, 7])(
    "with a rarely changing owner field (its flag 0 or 1 in a partial group; seed %i)",
    (seed) => {
      brokenGroups(seed, true, { largest: 0.08, rest: 0.03, leave: 0.03 });
    },
  );
});
