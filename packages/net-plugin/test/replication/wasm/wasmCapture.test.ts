/**
 * The generated WebAssembly capture kernel (codec/wasm/wasmCapture.ts) against the generated JS
 * capture kernel (codec/kernels/worldKernels.ts) on random registries of every kind the JS kernel
 * inlines, alone and mixed with kinds quantized through their binding, and evolving bitECS worlds
 * (captureWorlds.ts: values with NaN/±∞/out-of-bounds/half-step/zero/unnormalized rotations;
 * membership changes, entities added, removed and listed twice): the same state
 * (present, mask, values, version, version counter, high water) after every capture, with and
 * without SIMD, with batches shorter than the list, two states through one kernel and states
 * overwritten between captures (the raw-value cache); the same missing-id throw; the wiring
 * behind `wasmKernels.enabled` and the fallback when WebAssembly refuses to compile.
 */
import { addComponent, addEntity, createWorld, type World } from "bitecs";
import { createRng } from "@canopy/core";
import { afterEach, describe, expect, it, vi } from "vitest";
import { worldKernels } from "../../../src/replication/codec/kernels/worldKernels";
import {
  componentMasks,
  layoutOf,
  seenStamps,
  shadowOf,
} from "../../../src/replication/codec/kernels/worldLayout";
import { capturePlan, wasmQuantized } from "../../../src/replication/codec/wasm/capturePlan";
import { wasmCaptureKernel } from "../../../src/replication/codec/wasm/wasmCapture";
import { wasmKernels } from "../../../src/replication/codec/wasm/wasmKernels";
import {
  captureWorld,
  IntTemplate,
  NetworkIdAllocator,
  ReplicationRegistry,
  SnapshotState,
  Vec3Template,
  type EntityMap,
} from "../../../src/replication/index";
import { CAPACITY, randomRegistry } from "../kernelFixture";
import { evolveWorld, inlineKinds, mixedLengths, moveWorld } from "./captureWorlds";
import { expectSameState, missingNetId } from "./captureTwins";

afterEach(() => {
  wasmKernels.enabled = false;
});

/** Runs `capture` as captureWorld does: the kernel, then ids not listed are removed. */
function runCapture(
  capture: NonNullable<ReturnType<typeof worldKernels>>["capture"],
  world: World,
  registry: ReplicationRegistry,
  list: readonly number[],
  map: EntityMap,
  out: SnapshotState,
  missing: (eid: number) => void,
): void {
  const layout = layoutOf(registry);
  expect(componentMasks(world, layout)).toBe(true);
  const seen = seenStamps(out);
  const stamp = (seen.stamp = (seen.stamp + 1) >>> 0 || 1);
  capture(
    world,
    list,
    map,
    out,
    seen,
    stamp,
    layout.hasMasks,
    layout.hasFlags,
    shadowOf(out, layout.singleShadow),
    missing,
  );
  for (let id = 0; id < out.highWater; id++) {
    if (out.present[id] === 1 && seen[id] !== stamp) out.remove(id);
  }
}

function checkParity(
  seed: number,
  registry: ReplicationRegistry,
  options: { simd: boolean; batch?: number },
): void {
  const rng = createRng(seed);
  const what = `seed ${seed} simd ${options.simd} batch ${options.batch ?? "default"}`;
  const js = worldKernels(registry)?.capture;
  const wasm = wasmCaptureKernel(registry, options);
  expect(js, what).toBeDefined();
  if (registry.fields.every((f) => !wasmQuantized(f))) {
    expect(wasm, `${what}: nothing to quantize in wasm`).toBeUndefined();
    return;
  }
  expect(wasm?.simd, what).toBe(options.simd);
  if (js === undefined || wasm === undefined) return;
  const world = createWorld();
  const allocator = new NetworkIdAllocator(CAPACITY, 3);
  const live: number[] = [];
  const a = new SnapshotState(registry, CAPACITY);
  const b = new SnapshotState(registry, CAPACITY);
  // A second pair captured now and then by the same kernels (the wasm cache follows the state),
  // and an old state copied over both (a new revision: the caches must forget their raw values).
  const a2 = new SnapshotState(registry, CAPACITY);
  const b2 = new SnapshotState(registry, CAPACITY);
  const old = new SnapshotState(registry, CAPACITY);
  // Some seeds put entity ids past the columns' length (the JS kernel then reads undefined).
  const offset = seed % 3 === 0 ? CAPACITY - 30 : 0;
  for (let i = 0; i < offset; i++) addEntity(world);
  const spawn = (tick: number): void => {
    const eid = addEntity(world);
    for (const f of registry.fields) if (rng.chance(0.8)) addComponent(world, eid, f.component);
    allocator.allocate(eid, tick);
    live.push(eid);
  };
  for (let i = 0; i < 40; i++) spawn(0);
  for (let tick = 1; tick <= 40; tick++) {
    // A shuffled list, sometimes with an entity twice, sometimes with some left out.
    const list = evolveWorld(rng, world, registry, allocator, live, tick, spawn, 0.03);
    if (tick === 5) old.copyFrom(a);
    if (tick % 13 === 0) {
      a.copyFrom(old);
      b.copyFrom(old);
    }
    runCapture(js, world, registry, list, allocator.map, a, missingNetId);
    runCapture(wasm.capture, world, registry, list, allocator.map, b, missingNetId);
    expectSameState(a, b, `${what} tick ${tick}`);
    if (tick % 3 === 0) {
      runCapture(js, world, registry, list, allocator.map, a2, missingNetId);
      runCapture(wasm.capture, world, registry, list, allocator.map, b2, missingNetId);
      expectSameState(a2, b2, `${what} tick ${tick}, second state`);
    }
  }
  expect(a.versionCounter, what).toBeGreaterThan(40);
}

describe("wasm capture kernel", () => {
  it.each([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])(
    "matches the JS kernel on random registries (seed %i)",
    (seed) => {
      // Seeds 1-6: inline kinds only; 7-12: mixed with int, bool, enum, transform (quantized by the gather).
      const { registry, describe: kinds } = randomRegistry(createRng(seed * 7919), seed <= 6 ? 4 : 8);
      for (const simd of [true, false]) {
        try {
          checkParity(seed, registry, { simd });
        } catch (e) {
          throw new Error(`registry ${kinds.join(" ")}: ${String(e)}`, { cause: e });
        }
      }
    },
  );

  it("matches the JS kernel with every inline kind, columns of different lengths, batches shorter than the list", () => {
    expect(capturePlan(mixedLengths())?.columnLength).toBeUndefined();
    expect(capturePlan(inlineKinds())?.columnLength).toBe(CAPACITY);
    for (const simd of [true, false]) {
      checkParity(101, inlineKinds(), { simd });
      checkParity(102, inlineKinds(), { simd, batch: 8 });
      checkParity(103, inlineKinds(), { simd, batch: 4 });
      checkParity(105, inlineKinds(), { simd, batch: 12 });
      checkParity(106, mixedLengths(), { simd });
      checkParity(107, mixedLengths(), { simd, batch: 4 });
    }
  });

  it("throws the JS kernel's error for an entity without a network id, and one beyond the state", () => {
    const registry = inlineKinds();
    const js = worldKernels(registry)?.capture;
    const wasm = wasmCaptureKernel(registry);
    expect(wasm).toBeDefined();
    if (js === undefined || wasm === undefined) return;
    const world = createWorld();
    const allocator = new NetworkIdAllocator(CAPACITY);
    const mapped = addEntity(world);
    const unmapped = addEntity(world);
    allocator.allocate(mapped, 0);
    const run = (capture: typeof js): unknown => {
      try {
        runCapture(
          capture,
          world,
          registry,
          [mapped, unmapped],
          allocator.map,
          new SnapshotState(registry, CAPACITY),
          missingNetId,
        );
      } catch (e) {
        return e;
      }
      return undefined;
    };
    const thrown = run(js);
    expect(thrown).toBeInstanceOf(Error);
    expect(run(wasm.capture)).toEqual(thrown);
    // A network id the state cannot hold: the JS kernel's writes were no-ops; this is refused.
    const small = new SnapshotState(registry, 4);
    const far = new NetworkIdAllocator(CAPACITY);
    for (let i = 0; i < 6; i++) far.allocate(addEntity(world), 0);
    expect(() =>
      runCapture(wasm.capture, world, registry, [far.map.entityOf(5)], far.map, small, missingNetId),
    ).toThrow(/outside the state's capacity/);
  });

  it("is what captureWorld runs when wasmKernels.enabled, with the same states", () => {
    wasmKernels.enabled = true;
    const wasmSide = inlineKinds();
    wasmKernels.enabled = false;
    const jsSide = new ReplicationRegistry();
    for (const f of wasmSide.fields) jsSide.replicate(f.component as object, f.template, { name: f.name });
    wasmKernels.enabled = true;
    expect(layoutOf(wasmSide).kernels?.capture).not.toBe(worldKernels(wasmSide)?.capture);
    wasmKernels.enabled = false;
    expect(layoutOf(jsSide).kernels?.capture).toBe(worldKernels(jsSide)?.capture);
    const rng = createRng(77);
    const world = createWorld();
    const allocator = new NetworkIdAllocator(CAPACITY);
    const entities = Array.from({ length: 50 }, () => {
      const eid = addEntity(world);
      for (const f of wasmSide.fields) if (rng.chance(0.9)) addComponent(world, eid, f.component);
      allocator.allocate(eid, 0);
      return eid;
    });
    const a = new SnapshotState(jsSide, CAPACITY);
    wasmKernels.enabled = true; // b lives in the registry's wasm memory (statePool.ts)
    const b = new SnapshotState(wasmSide, CAPACITY);
    wasmKernels.enabled = false;
    expect(b.pool).toBeDefined();
    for (let tick = 0; tick < 10; tick++) {
      moveWorld(rng, wasmSide, entities, 0.5);
      const list = entities.slice(0, 50 - tick);
      captureWorld(world, jsSide, list, allocator.map, a, tick);
      captureWorld(world, wasmSide, list, allocator.map, b, tick);
      expectSameState(a, b, `tick ${tick}`);
    }
  });

  it("falls back to the JS kernel when WebAssembly refuses to compile, as under a CSP without wasm-unsafe-eval", () => {
    const refuse = vi.spyOn(WebAssembly, "Module").mockImplementation(() => {
      throw new WebAssembly.CompileError("Wasm code generation disallowed by embedder");
    });
    try {
      expect(wasmCaptureKernel(inlineKinds())).toBeUndefined();
      wasmKernels.enabled = true;
      const registry = inlineKinds();
      expect(layoutOf(registry).kernels?.capture).toBe(worldKernels(registry)?.capture);
    } finally {
      refuse.mockRestore();
    }
    expect(wasmCaptureKernel(inlineKinds())).toBeDefined();
  });

  it("leaves to the JS kernel registries with nothing to quantize in wasm or inline fields on plain arrays", () => {
    const ints = new ReplicationRegistry();
    ints.replicate(new Int32Array(8), IntTemplate({ min: 0, max: 10 }));
    expect(wasmCaptureKernel(ints)).toBeUndefined();
    expect(wasmCaptureKernel(new ReplicationRegistry())).toBeUndefined();
    const plainArrays = new ReplicationRegistry();
    plainArrays.replicate({ x: [0], y: [0], z: [0] }, Vec3Template({ min: 0, max: 1, precision: 0.01 }));
    expect(wasmCaptureKernel(plainArrays)).toBeUndefined();
    const withInt = new ReplicationRegistry();
    withInt.replicate(
      { x: new Float32Array(8), y: new Float32Array(8), z: new Float32Array(8) },
      Vec3Template({ min: 0, max: 1, precision: 0.01 }),
    );
    withInt.replicate(new Int32Array(8), IntTemplate({ min: 0, max: 10 }));
    expect(wasmCaptureKernel(withInt)).toBeDefined();
  });
});
