/**
 * captureWorld's whole call in wasm (codec/wasm/wasmCapture.ts `captureWorld`: the list, network
 * ids, bitECS membership, int fields and the removal of unlisted rows in the kernel, tables copied
 * by captureTables.ts) against captureWorld with the JS kernel: the same state (present, mask,
 * values, version, version counter, high water) after every tick of evolving bitECS worlds —
 * random registries, every inline kind with a typed-array int, columns of different lengths with
 * a plain-array int (holes, fractions, NaN, ±∞), entity ids far past the tables' first size,
 * membership changes, entities spawned, removed, listed twice or left out; the same throws for an
 * unmapped entity (also one past the EntityMap's table) and a network id beyond the state; and
 * the fallback (false) for registries whose generic fields are not all ints.
 */
import { addComponent, addEntity, createWorld } from "bitecs";
import { createRng } from "@canopy/core";
import { afterEach, describe, expect, it, vi } from "vitest";
import { componentMasks, layoutOf } from "../../../src/replication/codec/kernels/worldLayout";
import { wasmCaptureKernel } from "../../../src/replication/codec/wasm/wasmCapture";
import { compiledModuleCount } from "../../../src/replication/codec/wasm/wasmCompile";
import type { CodecMemoryPool } from "../../../src/replication/codec/wasm/codecMemory";
import { capturePlan } from "../../../src/replication/codec/wasm/capturePlan";
import { wasmKernels } from "../../../src/replication/codec/wasm/wasmKernels";
import {
  captureWorld,
  FloatTemplate,
  IntTemplate,
  QuatTemplate,
  NetworkIdAllocator,
  ReplicationRegistry,
  SnapshotState,
  Vec2Template,
  Vec3Template,
} from "../../../src/replication/index";
import { CAPACITY, randomRegistry } from "../kernelFixture";
import { evolveWorld, inlineKinds, mixedLengths, type Field } from "./captureWorlds";
import { countedKernel, expectSameState, missingNetId, twin } from "./captureTwins";

afterEach(() => {
  wasmKernels.enabled = false;
});

/** Runs both captureWorlds over 40 evolving ticks; returns how many ran the wasm whole-call path. */
function checkWorld(
  seed: number,
  source: ReplicationRegistry,
  options: {
    farIds?: boolean;
    batch?: number;
    pooled?: boolean;
    generations?: boolean;
    never?: unknown;
    /** From this tick on the state's pool gives no blocks (the in-place runner must retire). */
    starveAt?: number;
    /** The scalar kernel (no SIMD). */
    scalar?: boolean;
    /** Before this tick's capture the state's pool memory grows with nobody told (views detached). */
    growAt?: number;
  } = {},
): number {
  const rng = createRng(seed);
  const { js, wasm } = twin(source);
  const { kernel, direct, calls } = countedKernel(wasm, options);
  expect(kernel, `seed ${seed}`).toBeDefined();
  if (kernel === undefined) return 0;
  const world = createWorld();
  const allocator = new NetworkIdAllocator(CAPACITY, 3);
  const live: number[] = [];
  const a = new SnapshotState(js, CAPACITY);
  // Pool-backed (the switch on as it is built): the kernel runs in that pool's memory, rows in place.
  wasmKernels.enabled = options.pooled === true;
  const b = new SnapshotState(wasm, CAPACITY);
  wasmKernels.enabled = false;
  expect(b.pool !== undefined, "pool-backed").toBe(options.pooled === true);
  // Entity ids past the column length, and (farIds) past the gather tables' first sizes.
  const offset = options.farIds === true ? 700 : seed % 3 === 0 ? CAPACITY - 30 : 0;
  for (let i = 0; i < offset; i++) addEntity(world);
  if (options.generations === true) {
    // The first field's component in bitECS's first generation of membership words, the others
    // (registered after 40 more) in the second: the gather's general form (one table per field).
    const holder = addEntity(world);
    addComponent(world, holder, (source.fields[0] as Field).component);
    for (let k = 0; k < 40; k++) addComponent(world, holder, {});
  }
  const spawn = (tick: number): void => {
    if (options.farIds === true && rng.chance(0.3))
      for (let k = rng.int(1, 200); k > 0; k--) addEntity(world);
    const eid = addEntity(world);
    for (const f of source.fields) {
      if (f.component !== options.never && rng.chance(0.8)) addComponent(world, eid, f.component);
    }
    allocator.allocate(eid, tick);
    live.push(eid);
  };
  for (let i = 0; i < 40; i++) spawn(0);
  for (let tick = 1; tick <= 40; tick++) {
    const list = evolveWorld(rng, world, source, allocator, live, tick, spawn, 0.05, options.never);
    if (tick === options.growAt) (b.pool as CodecMemoryPool).memory.grow(1);
    if (tick === options.starveAt) vi.spyOn(b.pool as CodecMemoryPool, "tryAlloc").mockReturnValue(-1);
    // Sometimes in spawn order (runs of consecutive ids: the kernel's v128 channel loads).
    if (rng.chance(0.3)) list.sort((x, y) => x - y);
    const entities = rng.chance(0.5) ? Int32Array.from(list) : list;
    captureWorld(world, js, entities, allocator.map, a, tick);
    if (!direct) captureWorld(world, wasm, entities, allocator.map, b, tick);
    else {
      // A batch shorter than the list: scan, then a gather and a kernel call per batch.
      const layout = layoutOf(wasm);
      expect(componentMasks(world, layout)).toBe(true);
      b.tick = tick;
      b.versioned = true;
      expect(
        kernel.captureWorld(entities, allocator.map, b, layout.hasMasks, layout.hasFlags, missingNetId),
      ).toBe(true);
    }
    expectSameState(a, b, `seed ${seed} tick ${tick}`);
  }
  const inPlace = options.pooled === true && options.starveAt === undefined;
  if (calls.whole > 0) expect(kernel.ranInPlace(b), "in place").toBe(inPlace);
  vi.restoreAllMocks();
  return calls.whole;
}

describe("captureWorld in wasm (whole call)", () => {
  it.each([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])(
    "matches the JS kernel on random registries, or leaves them to the batch path (seed %i)",
    (seed) => {
      const { registry } = randomRegistry(createRng(seed * 7919), seed <= 6 ? 4 : 8);
      const plan = capturePlan(registry);
      if (plan === undefined) return; // nothing to quantize in wasm: the JS kernel (wasmCapture.test.ts)
      const whole = checkWorld(seed, registry, { pooled: seed % 2 === 0 });
      expect(whole).toBe(plan.wasmGather ? 40 : 0);
    },
  );

  it("matches the JS kernel with every inline kind and a typed int, mixed column lengths with a plain-array int, far entity ids", () => {
    expect(checkWorld(201, inlineKinds())).toBe(40);
    expect(checkWorld(202, mixedLengths())).toBe(40);
    expect(checkWorld(203, inlineKinds(), { farIds: true })).toBe(40);
    expect(checkWorld(204, mixedLengths(), { farIds: true })).toBe(40);
  });

  it("matches the JS kernel in place, on states in their registry's pool (scratch and tables in pool blocks)", () => {
    expect(checkWorld(211, inlineKinds(), { pooled: true })).toBe(40);
    expect(checkWorld(212, mixedLengths(), { pooled: true, farIds: true })).toBe(40);
    expect(checkWorld(213, inlineKinds(), { pooled: true, batch: 8 })).toBe(40);
  });

  it("matches the JS kernel with the scalar kernel (no SIMD), in its own memory and in place", () => {
    expect(checkWorld(221, inlineKinds(), { scalar: true })).toBe(40);
    expect(checkWorld(222, mixedLengths(), { scalar: true, pooled: true })).toBe(40);
    expect(checkWorld(223, inlineKinds(), { scalar: true, pooled: true, batch: 8 })).toBe(40);
  });

  it("notices its pool's memory grown between calls by nobody it knows (a grow that refreshed no view)", () => {
    expect(checkWorld(215, inlineKinds(), { pooled: true, growAt: 3 })).toBe(40);
    expect(checkWorld(216, inlineKinds(), { pooled: true, growAt: 20, scalar: true })).toBe(40);
  });

  it("goes on in a memory of its own when the state's pool can no longer give blocks for its tables", () => {
    // Far entity ids make the tables grow after the pool stops giving blocks.
    expect(checkWorld(214, inlineKinds(), { pooled: true, farIds: true, starveAt: 5 })).toBe(40);
  });

  it("matches the JS kernel with lists longer than a batch (several gathers and kernel calls per capture)", () => {
    expect(checkWorld(205, inlineKinds(), { batch: 8 })).toBe(40);
    expect(checkWorld(206, mixedLengths(), { batch: 12 })).toBe(40);
    expect(checkWorld(207, inlineKinds(), { batch: 4, farIds: true })).toBe(40);
  });

  it("throws the JS kernel's errors: an unmapped entity (also past the map's table), a network id beyond the state", () => {
    const { js, wasm } = twin(mixedLengths());
    const world = createWorld();
    const allocator = new NetworkIdAllocator(CAPACITY);
    const mapped = addEntity(world);
    const unmapped = addEntity(world);
    allocator.allocate(mapped, 0);
    const thrown = (registry: ReplicationRegistry, list: number[], state: SnapshotState): unknown => {
      try {
        captureWorld(world, registry, list, allocator.map, state, 1);
      } catch (e) {
        return e;
      }
      return undefined;
    };
    for (const list of [
      [mapped, unmapped],
      [mapped, 5000],
    ]) {
      const expected = thrown(js, list, new SnapshotState(js, CAPACITY));
      expect(expected).toBeInstanceOf(Error);
      for (const pooled of [false, true]) {
        wasmKernels.enabled = pooled; // pooled: the kernel runs in place, gather and capture in one call
        const b = new SnapshotState(wasm, CAPACITY);
        wasmKernels.enabled = false;
        expect(b.pool !== undefined).toBe(pooled);
        expect(thrown(wasm, list, b)).toEqual(expected);
        expect(b.highWater, "nothing written").toBe(0);
        expect(b.count()).toBe(0);
      }
    }
    const small = new SnapshotState(wasm, 4);
    for (let i = 0; i < 6; i++) allocator.allocate(addEntity(world), 0);
    expect(() => captureWorld(world, wasm, [allocator.map.entityOf(5)], allocator.map, small, 1)).toThrow(
      /outside the state's capacity/,
    );
  });

  it("matches the JS kernel when membership lies in two bitECS generations or a component is not in the world (the general gather)", () => {
    expect(checkWorld(501, inlineKinds(), { generations: true })).toBe(40);
    expect(checkWorld(502, mixedLengths(), { generations: true, pooled: true })).toBe(40);
    const registry = inlineKinds();
    expect(checkWorld(503, registry, { never: (registry.fields[1] as Field).component })).toBe(40);
  });

  it("matches the JS kernel for strides below, at and just above a v128 chunk (1, 2, 4, 5, 8 slots)", () => {
    const n = CAPACITY;
    const f32 = (): Float32Array => new Float32Array(n);
    const bounds = { min: -5, max: 5, precision: 0.01 };
    const make = (kinds: ("float" | "vec2" | "quat" | "int")[]): ReplicationRegistry => {
      const r = new ReplicationRegistry();
      for (const k of kinds) {
        if (k === "float") r.replicate(f32(), FloatTemplate(bounds));
        else if (k === "vec2") r.replicate({ x: f32(), y: f32() }, Vec2Template(bounds));
        else if (k === "quat")
          r.replicate({ x: f32(), y: f32(), z: f32(), w: f32() }, QuatTemplate({ bits: 10 }));
        else r.replicate([] as number[], IntTemplate({ min: 0, max: 9 }));
      }
      return r;
    };
    const shapes: ("float" | "vec2" | "quat" | "int")[][] = [
      ["float"],
      ["vec2"],
      ["quat"],
      ["quat", "int"],
      ["quat", "quat"],
      ["vec2", "int", "float"],
    ];
    shapes.forEach((kinds, k) => {
      expect(checkWorld(401 + k, make(kinds), { pooled: k % 2 === 0 }), kinds.join(" ")).toBe(40);
    });
  });

  it("compiles a registry shape once per process (a second registry of the same shape reuses the module)", () => {
    const first = wasmCaptureKernel(inlineKinds());
    expect(first).toBeDefined();
    const count = compiledModuleCount();
    const second = wasmCaptureKernel(inlineKinds());
    expect(second).toBeDefined();
    expect(compiledModuleCount()).toBe(count);
    const moduleOf = (k: unknown): unknown => (k as { module: WebAssembly.Module }).module;
    expect(moduleOf(second)).toBe(moduleOf(first));
  });

  it("runs the server's kind of registry (vec3 + ints on plain arrays) in one call", () => {
    const registry = new ReplicationRegistry();
    const n = CAPACITY;
    registry.replicate(
      { x: new Float32Array(n), y: new Float32Array(n), z: new Float32Array(n) },
      Vec3Template({ min: -50, max: 50, precision: 1 / 512 }),
    );
    registry.replicate([] as number[], IntTemplate({ min: -1, max: 31 }), { name: "owner" });
    registry.replicate([] as number[], IntTemplate({ min: 0, max: 1 }), { name: "authority" });
    expect(capturePlan(registry)?.wasmGather).toBe(true);
    expect(checkWorld(301, registry)).toBe(40);
  });
});
