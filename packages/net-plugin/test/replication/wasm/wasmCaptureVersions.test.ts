/**
 * The capture kernel's version numbers at the counter's wrap (codec/wasm/captureRowsFour.ts: each
 * changed row of a four-entry step takes the next version as the JS kernel gives it,
 * (vc + 1) >>> 0 || 1 — never 0): a moving world in spawn order (every step four consecutive ids
 * with every field) captured by the JS and the wasm kernel from each of the last 12 counter values
 * before the wrap, in place and in a memory of the kernel's own, with the SIMD and the scalar
 * kernel; the same versions, counter and rows. (wasmCaptureWorld's random worlds never reach the
 * wrap: without `|| 1` in the four-entry step they pass, this fails.) */
import { addComponent, addEntity, createWorld } from "bitecs";
import { createRng } from "@canopy/core";
import { afterEach, describe, expect, it } from "vitest";
import { componentMasks, layoutOf } from "../../../src/replication/codec/kernels/worldLayout";
import { wasmKernels } from "../../../src/replication/codec/wasm/wasmKernels";
import {
  captureWorld,
  NetworkIdAllocator,
  QuatTemplate,
  ReplicationRegistry,
  SnapshotState,
  Vec3Template,
} from "../../../src/replication/index";
import { countedKernel, expectSameState, missingNetId, twin } from "./captureTwins";

afterEach(() => {
  wasmKernels.enabled = false;
});

const ENTITIES = 23;
const CAPACITY = 32;
const BOUNDS = { min: { x: -50, y: -1, z: -50 }, max: { x: 50, y: 15, z: 50 }, precision: 1 / 512 };

function movingRegistry(): { registry: ReplicationRegistry; columns: Float32Array[] } {
  const soa = (keys: string[]): Record<string, Float32Array> =>
    Object.fromEntries(keys.map((k) => [k, new Float32Array(ENTITIES + 4)]));
  const position = soa(["x", "y", "z"]);
  const rotation = soa(["x", "y", "z", "w"]);
  const registry = new ReplicationRegistry();
  registry.replicate(position, Vec3Template(BOUNDS), { name: "position" });
  registry.replicate(rotation, QuatTemplate({ bits: 9 }), { name: "rotation" });
  return { registry, columns: [...Object.values(position), ...Object.values(rotation)] };
}

/** Captures 3 moving ticks from counter value `start` with both kernels; expects the same states. */
function checkFrom(start: number, options: { pooled: boolean; scalar: boolean }): void {
  const rng = createRng(start);
  const { registry, columns } = movingRegistry();
  const { js, wasm } = twin(registry);
  const { kernel } = countedKernel(wasm, { scalar: options.scalar });
  expect(kernel).toBeDefined();
  if (kernel === undefined) return;
  const world = createWorld();
  const allocator = new NetworkIdAllocator(CAPACITY);
  const entities = new Int32Array(ENTITIES);
  for (let i = 0; i < ENTITIES; i++) {
    const eid = addEntity(world);
    for (const f of registry.fields) addComponent(world, eid, f.component);
    entities[i] = eid;
    allocator.allocate(eid, 0);
  }
  const a = new SnapshotState(js, CAPACITY);
  wasmKernels.enabled = options.pooled;
  const b = new SnapshotState(wasm, CAPACITY);
  wasmKernels.enabled = false;
  const layout = layoutOf(wasm);
  for (let tick = 1; tick <= 3; tick++) {
    for (const eid of entities) {
      for (const c of columns.slice(0, 3)) c[eid] = rng.range(-40, 40);
      for (const c of columns.slice(3)) c[eid] = rng.range(-1, 1);
    }
    // The counter a few versions before its wrap once the rows are present (tick 2 on: the
    // four-entry step takes present rows only).
    if (tick === 2) a.versionCounter = b.versionCounter = start;
    captureWorld(world, js, entities, allocator.map, a, tick);
    if (!options.scalar) captureWorld(world, wasm, entities, allocator.map, b, tick);
    else {
      expect(componentMasks(world, layout)).toBe(true);
      b.tick = tick;
      b.versioned = true;
      expect(
        kernel.captureWorld(entities, allocator.map, b, layout.hasMasks, layout.hasFlags, missingNetId),
      ).toBe(true);
    }
    expectSameState(a, b, `start ${start} tick ${tick}`);
  }
  expect(a.versionCounter).toBeLessThan(start); // it wrapped
}

describe("capture versions at the counter's wrap", () => {
  const starts = Array.from({ length: 12 }, (_, k) => 0xffffffff - k);
  it.each([
    { pooled: true, scalar: false },
    { pooled: false, scalar: false },
    { pooled: true, scalar: true },
  ])("match the JS kernel's from each of the last 12 counter values (%o)", (options) => {
    for (const start of starts) checkFrom(start, options);
  });
});
