/**
 * The wasm update reader's four-entity, leading and changed-largest steps on registries with a
 * Transform (its rotation part's same-largest flag read inside the position part's flag;
 * decodeEntities4.ts flagPositions): a steady moving world of Transforms (alone, after or before a
 * rarely changing owner int, beside a Quat) in which some entities change their rotation's largest
 * component, rest, leave or come back — so groups break at every position. Every snapshot is
 * decoded by the JS and the wasm kernels (same statuses and states, every wasm call compared with
 * the JS kernel on a copy), then single-bit flips and truncations of those snapshots are refused
 * or accepted as the JS kernel does.
 */
import { createRng } from "@canopy/core";
import { afterEach, describe, expect, it, vi } from "vitest";
import { BitWriter } from "../../../src/protocol/bitWriter";
import { wasmKernels } from "../../../src/replication/codec/wasm/wasmKernels";
import {
  BaselineRing,
  DecodeStatus,
  SnapshotDecoder,
  SnapshotEncoder,
  SnapshotState,
  type ReplicationRegistry,
} from "../../../src/replication/index";
import { CAPACITY } from "../kernelFixture";
import { both, client, spyKernelParity, wasmClient } from "./wasmDecodeRig";
import { encodeTick } from "../codecRig";
import { registryOf, stepWorld, type Layout, type WorldChances } from "./transformWorldRig";

const WASM_DEFAULT = wasmKernels.enabled;
afterEach(() => {
  wasmKernels.enabled = WASM_DEFAULT;
  vi.restoreAllMocks();
});

const decoderOn = (registry: ReplicationRegistry, on: boolean): SnapshotDecoder => {
  wasmKernels.enabled = on;
  try {
    return new SnapshotDecoder(registry, CAPACITY);
  } finally {
    wasmKernels.enabled = WASM_DEFAULT;
  }
};

/** Runs the world for 60 ticks with the given per-entity, per-tick chances, then flips its bits. */
function brokenGroups(seed: number, layout: Layout, chances: WorldChances, scalar = false): void {
  const rng = createRng(seed);
  const { registry, largest } = registryOf(layout);
  const encoder = new SnapshotEncoder(registry, CAPACITY);
  const serverRing = new BaselineRing(registry, CAPACITY);
  const current = new SnapshotState(registry, CAPACITY);
  const writer = new BitWriter(64 * 1024);
  const js = client(registry, false);
  // `scalar`: the engine refuses the SIMD reader (its first compile), the scalar one is built.
  const wasm = wasmClient(registry, scalar);
  const parity = spyKernelParity(registry);
  const ids = Math.min(CAPACITY, 61);
  const good: Uint8Array[] = [];
  for (let tick = 0; tick < 60; tick++) {
    stepWorld(rng, registry, largest, current, tick, ids, chances);
    current.tick = tick;
    encodeTick({ encoder, serverRing, writer }, current, tick, tick - 2, true);
    const bytes = writer.finish().slice();
    good.push(bytes);
    expect(both(js, wasm, bytes, `seed ${seed} tick ${tick} ${layout}`)).toBe(DecodeStatus.Ok);
  }
  expect(parity.calls, "snapshots read by the wasm reader").toBeGreaterThan(45);
  expect(parity.refused).toBe(0);
  // Flipped and truncated late snapshots against the rings that hold every baseline.
  const a = decoderOn(registry, false);
  const b = decoderOn(registry, true);
  const statuses = new Set<DecodeStatus>();
  for (let n = 0; n < 300; n++) {
    const src = good[rng.int(40, good.length - 1)] as Uint8Array;
    let bytes: Uint8Array;
    if (rng.chance(0.2)) bytes = src.subarray(0, rng.int(0, src.length - 1));
    else {
      bytes = src.slice();
      const at = rng.int(0, bytes.length * 8 - 1);
      bytes[at >>> 3] = (bytes[at >>> 3] as number) ^ (1 << (at & 7));
    }
    const sa = a.decode(bytes, js.ring);
    let sb: DecodeStatus = DecodeStatus.Ok;
    expect(() => (sb = b.decode(bytes, wasm.ring))).not.toThrow();
    expect(sb, `seed ${seed}, case ${n}, ${layout}`).toBe(sa);
    if (sa === DecodeStatus.Ok)
      expect((b.lastDecoded as SnapshotState).equals(a.lastDecoded as SnapshotState)).toBe(true);
    statuses.add(sa);
  }
  expect(statuses.size).toBeGreaterThan(1);
  b.dispose();
}

describe("wasm update reader: four-entity groups of Transforms", () => {
  it.each([1, 2])("a Transform alone, largest components changing, entities resting (seed %i)", (seed) => {
    brokenGroups(seed, "transform", { largest: 0.1, rest: 0.05, leave: 0 });
  });

  it.each([3, 4])("entities leaving and coming back inside groups (seed %i)", (seed) => {
    brokenGroups(seed, "transform", { largest: 0.08, rest: 0.02, leave: 0.04 });
  });

  it.each<[Layout, number]>([
    ["owner-after", 5],
    ["owner-after", 6],
    ["owner-before", 7],
    ["owner-before", 8],
  ])(
    "with a rarely changing owner int (%s; its flag 0 or 1 in a group, sometimes the only one set; seed %i)",
    (layout, seed) => {
      brokenGroups(seed, layout, { largest: 0.08, rest: 0.03, leave: 0.03, still: 0.03 });
    },
  );

  it.each<[Layout, number]>([
    ["transform", 11],
    ["owner-after", 12],
  ])("the scalar reader (SIMD refused): %s (seed %i)", (layout, seed) => {
    brokenGroups(seed, layout, { largest: 0.08, rest: 0.03, leave: 0.03, still: 0.03 }, true);
  });

  it.each([9, 10])("beside a Quat field (two rotations: no changed-largest step; seed %i)", (seed) => {
    brokenGroups(seed, "with-quat", { largest: 0.08, rest: 0.03, leave: 0.02 });
  });
});
