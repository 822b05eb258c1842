/**
 * The wasm collect's dense step (encodeDenseEmit.ts) on registries with a Transform: its two parts
 * under one change test (a group where only the position or only the rotation moved is coded with
 * both parts), its rotation part's same-largest bit after the position part's flag. A steady moving
 * world of Transforms (alone, with an owner int after or before it, beside a Quat) whose groups
 * break in every way (largest components changing, resting, leaving, owner-only and one-part
 * updates) is encoded by the wasm encoder, the JS kernels and the generic path: same bytes,
 * `written` and expected states, and every decoder decodes them to the same state; the dense
 * step ran.
 */
import { createRng } from "@canopy/core";
import { afterEach, describe, expect, it, vi } from "vitest";
import { wasmKernels } from "../../../src/replication/codec/wasm/wasmKernels";
import { DecodeStatus, SnapshotState } from "../../../src/replication/index";
import { CAPACITY } from "../kernelFixture";
import { planOf } from "./encodeSides";
import { encodeOnPaths, PATHS, sideOn } from "./flagFieldsRig";
import { registryOf, stepWorld, type Layout, type WorldChances } from "./transformWorldRig";

afterEach(() => {
  wasmKernels.enabled = false;
  vi.restoreAllMocks();
});

function run(seed: number, layout: Layout, chances: WorldChances): void {
  const rng = createRng(seed);
  const { registry, largest } = registryOf(layout);
  // (In the wasm pool, versioned: the wasm collect's states.)
  wasmKernels.enabled = true;
  const current = Object.assign(new SnapshotState(registry, CAPACITY), { versioned: true });
  const sides = PATHS.map((path) => sideOn(registry, path));
  const ids = Math.min(CAPACITY, 62);
  for (let tick = 0; tick < 50; tick++) {
    stepWorld(rng, registry, largest, current, tick, ids, chances);
    current.tick = tick;
    // Mostly the newest ack (1:1 prediction), now and then an older one (another ratio) or none.
    const ack = rng.chance(0.1) ? tick - rng.int(2, 5) : rng.chance(0.05) ? -1 : tick - 1;
    const at = `seed ${seed}, ${layout}, tick ${tick}`;
    const { statuses, expected } = encodeOnPaths(sides, current, tick, ack, true, {}, at);
    expect(statuses, at).toEqual([DecodeStatus.Ok, DecodeStatus.Ok, DecodeStatus.Ok]);
    for (const s of sides) expect((s.decoder.lastDecoded as SnapshotState).equals(expected), at).toBe(true);
  }
  const wasm = planOf(sides[0]!.encoder).wasm;
  expect(wasm?.calls, `seed ${seed}, ${layout}`).toBeGreaterThan(40);
}

describe("wasm collect's dense step with a Transform", () => {
  it.each([1, 2])("a Transform alone; largest changing, one part moving, resting (seed %i)", (seed) => {
    run(seed, "transform", { largest: 0.1, rest: 0.04, leave: 0, part: 0.05 });
  });

  it.each([3, 4])("entities leaving and coming back (seed %i)", (seed) => {
    run(seed, "transform", { largest: 0.06, rest: 0.02, leave: 0.03, part: 0.03 });
  });

  it.each<[Layout, number]>([
    ["owner-after", 5],
    ["owner-before", 6],
    ["with-quat", 7],
    ["with-quat", 8],
  ])("%s: owner-only and one-part updates among groups (seed %i)", (layout, seed) => {
    run(seed, layout, { largest: 0.06, rest: 0.02, leave: 0.02, still: 0.03, part: 0.04 });
  });

  it.each<[Layout, number]>([
    ["with-quat", 9],
    ["owner-after", 10],
  ])(
    "%s: mostly one part of each Transform moves (groups where only the rotations moved; seed %i)",
    (layout, seed) => {
      run(seed, layout, { largest: 0.06, rest: 0, leave: 0, still: 0, part: 0.9 });
    },
  );
});
