/**
 * Transform fields in the wasm capture kernel (capturePlan.ts kind "transform", captureParts.ts):
 * quantized by the kernel itself as a position part and a rotation part, bit-identical to the JS
 * kernel — random registries mixing Transforms (Float32/Float64 columns, some shorter than the
 * entity ids: reads past the end) with vectors, rotations, floats and ints, bools and numeric
 * enums on typed arrays (NaN, ±∞, -0, fractions, values out of range), over evolving bitECS
 * worlds, SIMD and scalar kernels, in a memory of its own and in place; every tick one whole wasm
 * call (the wasm gather), no JS gather.
 */
import { addComponent, addEntity, createWorld } from "bitecs";
import { createRng, type Rng } from "@canopy/core";
import { afterEach, describe, expect, it } from "vitest";
import { componentMasks, layoutOf } from "../../../src/replication/codec/kernels/worldLayout";
import { capturePlan } from "../../../src/replication/codec/wasm/capturePlan";
import { quantizedParts } from "../../../src/replication/codec/wasm/captureParts";
import { wasmKernels } from "../../../src/replication/codec/wasm/wasmKernels";
import {
  BoolTemplate,
  captureWorld,
  EnumTemplate,
  FloatTemplate,
  IntTemplate,
  NetworkIdAllocator,
  QuatTemplate,
  ReplicationRegistry,
  SnapshotState,
  TransformTemplate,
  Vec2Template,
  Vec3Template,
} from "../../../src/replication/index";
import { CAPACITY } from "../kernelFixture";
import { countedKernel, expectSameState, missingNetId, twin } from "./captureTwins";
import { evolveWorld } from "./captureWorlds";

afterEach(() => {
  wasmKernels.enabled = false;
});

const KEYS = ["x", "y", "z", "qx", "qy", "qz", "qw"];

/** A Float32Array or Float64Array, sometimes shorter than the entity ids reach. */
function column(rng: Rng): Float32Array | Float64Array {
  const length = rng.chance(0.25) ? rng.int(30, CAPACITY - 1) : CAPACITY;
  return rng.chance(0.5) ? new Float32Array(length) : new Float64Array(length);
}

/** One or two Transforms and up to five other fields the capture kernel supports. */
function transformRegistry(rng: Rng): ReplicationRegistry {
  const registry = new ReplicationRegistry();
  const transforms = rng.int(1, 2);
  const others = rng.int(0, 5);
  const kinds = [
    ...Array<number>(transforms).fill(-1),
    ...Array.from({ length: others }, () => rng.int(0, 6)),
  ];
  for (let i = kinds.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [kinds[i], kinds[j]] = [kinds[j] as number, kinds[i] as number];
  }
  for (const kind of kinds) {
    const precision = [0.5, 0.01, 1 / 512, 0.0007, 1 / 64][rng.int(0, 4)] as number;
    const min = rng.range(-200, 0);
    const max = min + rng.range(1, 300);
    if (kind === -1) {
      const rotationBits = rng.int(2, 16);
      const components = Object.fromEntries(KEYS.map((k) => [k, column(rng)]));
      registry.replicate(components, TransformTemplate({ min, max, precision, rotationBits }));
    } else if (kind === 0) {
      registry.replicate(
        { x: column(rng), y: column(rng), z: column(rng) },
        Vec3Template({ min, max, precision }),
      );
    } else if (kind === 1) {
      registry.replicate({ x: column(rng), y: column(rng) }, Vec2Template({ min, max, precision }));
    } else if (kind === 2) {
      const soa = { x: column(rng), y: column(rng), z: column(rng), w: column(rng) };
      registry.replicate(soa, QuatTemplate({ bits: rng.int(2, 16) }));
    } else if (kind === 3) registry.replicate(column(rng), FloatTemplate({ min, max, precision }));
    else if (kind === 4)
      registry.replicate(new Int32Array(CAPACITY), IntTemplate({ min: -7, max: rng.int(0, 5000) }));
    else if (kind === 5)
      registry.replicate(rng.chance(0.5) ? new Uint8Array(60) : new Float64Array(CAPACITY), BoolTemplate());
    else {
      // Numeric enums: identity (0…n-1) or not (a value 0 at a later index), on Float64 or Uint8 storage.
      const values = rng.chance(0.5) ? [0, 1, 2, 3] : [2, 7, 0, 5];
      registry.replicate(
        rng.chance(0.5) ? new Float64Array(CAPACITY) : new Uint8Array(50),
        EnumTemplate(values),
      );
    }
  }
  return registry;
}

/** Values of bools and enums beyond what moveWorld writes: NaN, -0, fractions, out of range. */
function scrambleScalars(rng: Rng, registry: ReplicationRegistry, live: readonly number[]): void {
  const picks = [0, 1, 2, 3, 5, 7, -0, Number.NaN, 2.5, -1, 255, Infinity];
  for (const f of registry.fields) {
    const kind = f.template.kind;
    if (kind !== "bool" && kind !== "enum") continue;
    const a = f.binding.columns?.[0] as Float64Array | Uint8Array;
    for (const eid of live) if (rng.chance(0.5)) a[eid] = picks[rng.int(0, picks.length - 1)] as number;
  }
}

/** Both captureWorlds over 30 evolving ticks; returns the ticks the wasm whole-call path ran. */
function checkTransforms(
  seed: number,
  options: { scalar?: boolean; pooled?: boolean; registry?: ReplicationRegistry } = {},
): number {
  const rng = createRng(seed);
  const source = options.registry ?? transformRegistry(rng);
  const plan = capturePlan(source);
  expect(plan?.wasmGather, `seed ${seed}: whole-call plan`).toBe(true);
  const { js, wasm } = twin(source);
  const { kernel, direct, calls } = countedKernel(wasm, { scalar: options.scalar });
  expect(kernel, `seed ${seed}`).toBeDefined();
  if (kernel === undefined) return 0;
  const world = createWorld();
  const allocator = new NetworkIdAllocator(CAPACITY, 3);
  const live: number[] = [];
  const a = new SnapshotState(js, CAPACITY);
  wasmKernels.enabled = options.pooled === true;
  const b = new SnapshotState(wasm, CAPACITY);
  wasmKernels.enabled = false;
  // Entity ids past the columns' lengths (reads past the end: NaN, or 0 for a float's `?? 0`).
  for (let i = seed % 2 === 0 ? 40 : 0; i > 0; i--) addEntity(world);
  const spawn = (tick: number): void => {
    const eid = addEntity(world);
    for (const f of source.fields) if (rng.chance(0.85)) addComponent(world, eid, f.component);
    allocator.allocate(eid, tick);
    live.push(eid);
  };
  for (let i = 0; i < 40; i++) spawn(0);
  for (let tick = 1; tick <= 30; tick++) {
    const list = evolveWorld(rng, world, source, allocator, live, tick, spawn, 0.05);
    scrambleScalars(rng, source, live);
    // Sometimes in spawn order (the kernel's consecutive-id steps).
    if (rng.chance(0.4)) list.sort((x, y) => x - y);
    captureWorld(world, js, list, allocator.map, a, tick);
    if (!direct) captureWorld(world, wasm, list, allocator.map, b, tick);
    else {
      const layout = layoutOf(wasm);
      expect(componentMasks(world, layout)).toBe(true);
      b.tick = tick;
      b.versioned = true;
      kernel.captureWorld(list, allocator.map, b, layout.hasMasks, layout.hasFlags, missingNetId);
    }
    expectSameState(a, b, `seed ${seed} tick ${tick}`);
  }
  return calls.whole;
}

describe("Transform fields in the wasm capture kernel", () => {
  it("plans a Transform as one field of two parts: position (3 linear slots), rotation at offset + 3", () => {
    const registry = new ReplicationRegistry();
    registry.replicate(new Uint8Array(CAPACITY), BoolTemplate());
    const t = Object.fromEntries(KEYS.map((k) => [k, new Float32Array(CAPACITY)]));
    registry.replicate(t, TransformTemplate({ min: -64, max: 64, precision: 1 / 256, rotationBits: 11 }));
    const plan = capturePlan(registry);
    expect(plan?.wasmGather).toBe(true);
    expect(plan?.fields.map((f) => f.kind)).toEqual(["generic", "transform"]);
    const parts = plan === undefined ? [] : quantizedParts(plan);
    expect(parts.map((p) => [p.kind, p.index, p.offset, p.width, p.columns.length])).toEqual([
      ["linear", 1, 1, 3, 3],
      ["quat", 1, 4, 4, 4],
    ]);
    // A Transform-only registry now has a wasm capture kernel (it had the JS kernel).
    const only = new ReplicationRegistry();
    only.replicate(t, TransformTemplate({ min: -64, max: 64, precision: 1 / 256 }));
    expect(capturePlan(only)?.wasmGather).toBe(true);
  });

  it.each(Array.from({ length: 10 }, (_, i) => i + 1))(
    "matches the JS kernel on random registries with Transforms, SIMD, one wasm call a tick (seed %i)",
    (seed) => {
      expect(checkTransforms(seed, { pooled: seed % 3 === 0 })).toBe(30);
    },
  );

  it.each([1, 2, 3, 4])(
    "matches the JS kernel with slots after a Transform's and a Vec3's written by the gather, ids past every column (seed %i)",
    (seed) => {
      // Rows: Transform (0-6), non-identity enum (7) on 50 elements, Vec3 (8-10), bool (11), int (12):
      // the Vec3's row fragment must not be stored over the bool's slot; enum and bool read past
      // their arrays (undefined: index 0 and false, not the index of the value 0).
      const registry = new ReplicationRegistry();
      const t = Object.fromEntries(
        KEYS.map((k, i) => [k, i % 2 === 0 ? new Float32Array(70) : new Float64Array(CAPACITY)]),
      );
      registry.replicate(t, TransformTemplate({ min: -100, max: 100, precision: 1 / 128, rotationBits: 10 }));
      registry.replicate(new Uint8Array(50), EnumTemplate([2, 7, 0, 5]));
      const v = { x: new Float64Array(CAPACITY), y: new Float32Array(CAPACITY), z: new Float64Array(60) };
      registry.replicate(v, Vec3Template({ min: -10, max: 10, precision: 0.01 }));
      registry.replicate(new Uint8Array(60), BoolTemplate());
      registry.replicate(new Int32Array(CAPACITY), IntTemplate({ min: -7, max: 900 }));
      expect(checkTransforms(seed, { registry, scalar: seed === 4 })).toBe(30);
    },
  );

  it.each([11, 12, 13, 14, 15, 16])("matches the JS kernel with the scalar kernel (seed %i)", (seed) => {
    expect(checkTransforms(seed, { scalar: true })).toBe(30);
  });
});
