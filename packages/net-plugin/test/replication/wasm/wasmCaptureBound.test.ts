/**
 * captureWorld's one-call path (codec/wasm/wasmCapture.ts `bound`, captureEmit.ts `runBound`):
 * after an in-place one-batch call, the next copies the tables and columns only as far as that
 * call's largest listed entity id and runs `prepare`, a check against that bound, the gather and
 * the kernel in one wasm call; a list reaching past the bound is refused before any write and
 * captured again with `prepare` first. Against the JS kernel over scripted lists whose largest id
 * grows past the bound (by one, and far: past a long bitECS membership array's short copy and the
 * copies' rounding), shrinks and comes back, reaches past the tables' lengths
 * (the general gather) and holds an unmapped entity past the bound — every value, membership and
 * int moved every tick, so a copy skipped past the bound shows as a different state.
 */
import { addComponent, addEntity, createWorld, removeComponent } from "bitecs";
import { createRng } from "@canopy/core";
import { afterEach, describe, expect, it } from "vitest";
import { componentMasks, layoutOf } from "../../../src/replication/codec/kernels/worldLayout";
import { wasmCaptureKernel, type WasmCaptureKernel } from "../../../src/replication/codec/wasm/wasmCapture";
import type { Runner } from "../../../src/replication/codec/wasm/captureRunner";
import { wasmKernels } from "../../../src/replication/codec/wasm/wasmKernels";
import {
  captureWorld,
  NetworkIdAllocator,
  QuatTemplate,
  ReplicationRegistry,
  SnapshotState,
  Vec3Template,
} from "../../../src/replication/index";
import { CAPACITY } from "../kernelFixture";
import { inlineKinds, mixedLengths, moveWorld, type Field } from "./captureWorlds";
import { expectSameState, missingNetId, twin } from "./captureTwins";

afterEach(() => {
  wasmKernels.enabled = false;
});

/** The bench's registry: vec3 1/512 and a 9-bit quat on Float32 columns a little longer than the world. */
function benchLike(): ReplicationRegistry {
  const f32 = (): Float32Array => new Float32Array(1024); // past the far entities' ids
  const r = new ReplicationRegistry();
  r.replicate({ x: f32(), y: f32(), z: f32() }, Vec3Template({ min: -50, max: 50, precision: 1 / 512 }));
  r.replicate({ x: f32(), y: f32(), z: f32(), w: f32() }, QuatTemplate({ bits: 9 }));
  return r;
}

/** Counts the in-place runner's runBound calls and the ones refused for a list past the bound. */
function countBound(kernel: WasmCaptureKernel): { calls: number; exceeded: number } {
  const counts = { calls: 0, exceeded: 0 };
  const runner = (kernel as unknown as { lastRunner: Runner | undefined }).lastRunner;
  expect(runner, "an in-place runner").toBeDefined();
  const r = runner as { -readonly [K in keyof Runner]: Runner[K] };
  for (const name of ["runBound", "runBoundFast"] as const) {
    const fn = r[name] as (...args: number[]) => number;
    r[name] = (...args: number[]): number => {
      counts.calls++;
      const top = fn(...args);
      if (top === -0x80000000) counts.exceeded++;
      return top;
    };
  }
  return counts;
}

/** Scripted lists (indexes into the world's entities); `x` stands for an unmapped entity. */
const SCRIPT: (number[] | "x")[] = [
  range(0, 20),
  range(0, 20),
  range(0, 21), // one past the bound
  range(0, 40),
  range(0, 40),
  range(0, 8), // shrinks
  [...range(0, 8), 70], // far past it
  range(0, 80),
  "x", // an unmapped entity past the bound: the JS kernel's error, nothing written
  range(0, 80).reverse(),
  range(10, 30),
  [...range(10, 30), 79, 79], // listed twice past the bound
  range(0, 80),
  range(0, 80),
  [...range(0, 10), 85], // far: past the copies' rounding and the short membership copy
  range(0, 10),
  [...range(0, 10), 89, 83],
  range(0, 90),
];

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i);
}

function run(seed: number, source: ReplicationRegistry, options: { scalar?: boolean } = {}): void {
  const rng = createRng(seed);
  const { js, wasm } = twin(source);
  const world = createWorld();
  const allocator = new NetworkIdAllocator(CAPACITY);
  const entities: number[] = [];
  for (let i = 0; i < 90; i++) {
    // Ten far ones after 600 unreplicated entities with a component (a long membership array).
    if (i === 80)
      for (let k = 0; k < 600; k++) addComponent(world, addEntity(world), source.fields[0]!.component);
    const eid = addEntity(world);
    for (const f of source.fields)
      if (i % 13 !== 5 || f !== source.fields[0]) addComponent(world, eid, f.component);
    allocator.allocate(eid, 0);
    entities.push(eid);
  }
  const unmapped = addEntity(world);
  for (const f of source.fields) addComponent(world, unmapped, f.component);
  const a = new SnapshotState(js, CAPACITY);
  wasmKernels.enabled = true; // pool-backed: the kernel runs in place
  const b = new SnapshotState(wasm, CAPACITY);
  wasmKernels.enabled = false;
  const kernel =
    options.scalar === true ? wasmCaptureKernel(wasm, { simd: false }) : layoutOf(wasm).wasmCapture;
  expect(kernel).toBeDefined();
  if (kernel === undefined) return;
  const capture = (list: number[], tick: number): void => {
    if (options.scalar !== true) {
      captureWorld(world, wasm, list, allocator.map, b, tick);
      return;
    }
    const layout = layoutOf(wasm);
    expect(componentMasks(world, layout)).toBe(true);
    b.tick = tick;
    b.versioned = true;
    expect(kernel.captureWorld(list, allocator.map, b, layout.hasMasks, layout.hasFlags, missingNetId)).toBe(
      true,
    );
  };
  capture([], 0);
  const counts = countBound(kernel);
  SCRIPT.forEach((step, k) => {
    const tick = k + 1;
    moveWorld(rng, source, entities, 1);
    // Membership moves too: a stale membership copy past the bound gives another mask.
    for (const f of source.fields as Field[]) {
      const eid = entities[rng.int(0, entities.length - 1)] as number;
      if (rng.chance(0.5)) addComponent(world, eid, f.component);
      else removeComponent(world, eid, f.component);
    }
    if (step === "x") {
      // First in the list: the JS kernel too has written nothing when it throws.
      const list = [unmapped, ...range(0, 10).map((i) => entities[i] as number)];
      const thrown = (f: () => void): unknown => {
        try {
          f();
        } catch (e) {
          return (e as Error).message;
        }
        return undefined;
      };
      const expected = thrown(() => captureWorld(world, js, list, allocator.map, a, tick));
      expect(expected).toMatch(/no network id/);
      const before = Array.from(b.values);
      expect(thrown(() => capture(list, tick))).toBe(expected);
      expect(Array.from(b.values), "nothing written").toEqual(before);
      expectSameState(a, b, `seed ${seed} step ${k}`);
      return;
    }
    const list = step.map((i) => entities[i] as number);
    captureWorld(world, js, list, allocator.map, a, tick);
    capture(list, tick);
    expectSameState(a, b, `seed ${seed} step ${k}`);
  });
  // Every step but the first (after an empty list: no bound) ran it; eight reach past the bound.
  expect(counts.calls, "runBound ran").toBe(SCRIPT.length - 1);
  expect(counts.exceeded, "lists past the bound").toBe(8);
}

describe("captureWorld in one wasm call (runBound: tables as far as the last call's largest id)", () => {
  it("matches the JS kernel on the bench's registry when the largest id grows past the bound, shrinks and comes back", () => {
    run(1, benchLike());
    run(2, benchLike());
  });

  it("matches the JS kernel with every inline kind, and with columns shorter than the ids (the general gather)", () => {
    run(3, inlineKinds());
    run(4, mixedLengths());
  });

  it("matches the JS kernel with the scalar kernel", () => {
    run(5, benchLike(), { scalar: true });
    run(6, mixedLengths(), { scalar: true });
  });
});
