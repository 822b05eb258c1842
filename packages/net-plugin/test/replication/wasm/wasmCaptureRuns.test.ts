/**
 * The wasm capture kernel's four-entry steps (captureSimdRows.ts: four entries quantized per
 * iteration and stored transposed; captureRowsFour.ts: four consecutive present rows with every
 * field compared and written as one block) against the JS kernel, on worlds made to hit them and
 * their boundaries: every entity with every field, listed in spawn order (consecutive network ids),
 * counts that are not a multiple of 4, a share moving each tick (some ticks none), an entity losing
 * and regaining a component inside a run of four, despawns and respawns inside a run, NaN and
 * out-of-range values, an entity listed twice — captureWorld and captureEntities, the SIMD and
 * the scalar kernel, in place and in a memory of its own. States compared after every tick.
 */
import { addComponent, addEntity, createWorld, removeComponent, removeEntity } from "bitecs";
import { createRng } from "@canopy/core";
import { afterEach, describe, expect, it } from "vitest";
import { layoutOf } from "../../../src/replication/codec/kernels/worldLayout";
import { wasmCaptureKernel } from "../../../src/replication/codec/wasm/wasmCapture";
import { wasmKernels } from "../../../src/replication/codec/wasm/wasmKernels";
import { captureEntities } from "../../../src/replication/worldCapture";
import {
  captureWorld,
  IntTemplate,
  NetworkIdAllocator,
  QuatTemplate,
  ReplicationRegistry,
  SnapshotState,
  Vec3Template,
} from "../../../src/replication/index";
import { CAPACITY } from "../kernelFixture";
import { inlineKinds, mixedLengths, moveWorld } from "./captureWorlds";
import { expectSameState, twin } from "./captureTwins";

afterEach(() => {
  wasmKernels.enabled = false;
});

/** The codec bench's registry: vec3 1/512 + 9-bit quat over Float32 columns (stride 7). */
function benchKind(): ReplicationRegistry {
  const n = CAPACITY;
  const f32 = (): Float32Array => new Float32Array(n);
  const r = new ReplicationRegistry();
  r.replicate({ x: f32(), y: f32(), z: f32() }, Vec3Template({ min: -50, max: 50, precision: 1 / 512 }));
  r.replicate({ x: f32(), y: f32(), z: f32(), w: f32() }, QuatTemplate({ bits: 9 }));
  return r;
}

/** The server's kind: the bench's fields and the owner and authority ints on plain arrays. */
function serverKind(): ReplicationRegistry {
  const r = benchKind();
  r.replicate([] as number[], IntTemplate({ min: -1, max: 31 }), { name: "owner" });
  r.replicate([] as number[], IntTemplate({ min: 0, max: 1 }), { name: "authority" });
  return r;
}

/** 30 ticks of a world of `count` entities with every field, listed in spawn order. */
function checkRuns(
  seed: number,
  source: ReplicationRegistry,
  count: number,
  options: { pooled?: boolean; marked?: boolean; scalar?: boolean; unlisted?: number } = {},
): void {
  const rng = createRng(seed);
  const { js, wasm } = twin(source);
  if (options.scalar === true) {
    // The scalar kernel in the layout's place (the per-entry row pass, one entry a step).
    const layout = layoutOf(wasm) as { wasmCapture: unknown };
    layout.wasmCapture = wasmCaptureKernel(wasm, { simd: false });
  }
  expect(layoutOf(wasm).wasmCapture, `seed ${seed}: a wasm kernel`).toBeDefined();
  const world = createWorld();
  const allocator = new NetworkIdAllocator(CAPACITY, 2);
  const live: number[] = [];
  const spawn = (tick: number): void => {
    const eid = addEntity(world);
    for (const f of source.fields) addComponent(world, eid, f.component);
    allocator.allocate(eid, tick);
    live.push(eid);
  };
  for (let i = 0; i < count; i++) spawn(0);
  // Entities of the world never listed, past the listed ones (membership arrays much longer).
  for (let i = 0; i < (options.unlisted ?? 0); i++) {
    const eid = addEntity(world);
    for (const f of source.fields) addComponent(world, eid, f.component);
  }
  const a = new SnapshotState(js, CAPACITY);
  wasmKernels.enabled = options.pooled === true;
  const b = new SnapshotState(wasm, CAPACITY);
  wasmKernels.enabled = false;
  const capture = (
    registry: ReplicationRegistry,
    list: number[],
    state: SnapshotState,
    tick: number,
  ): void => {
    if (options.marked === true) captureEntities(world, registry, list, allocator.map, state, tick);
    else captureWorld(world, registry, list, allocator.map, state, tick);
  };
  let lost: { eid: number; component: unknown } | undefined;
  for (let tick = 1; tick <= 30; tick++) {
    // A share moving (none on some ticks), edge values included.
    moveWorld(rng, source, live, tick % 5 === 0 ? 0 : rng.range(0.1, 1));
    // An entity inside a run loses a component for a few ticks, then regains it.
    if (lost !== undefined && rng.chance(0.5)) {
      if (live.includes(lost.eid)) addComponent(world, lost.eid, lost.component);
      lost = undefined;
    } else if (lost === undefined && rng.chance(0.5)) {
      const eid = live[rng.int(1, live.length - 2)] as number;
      const component = source.fields[rng.int(0, source.fields.length - 1)]?.component;
      removeComponent(world, eid, component);
      lost = { eid, component };
    }
    // A despawn inside a run of four (its row removed by the caller in marked mode), and a spawn.
    if (rng.chance(0.3) && live.length > 8) {
      const eid = live.splice(rng.int(1, live.length - 2), 1)[0] as number;
      const id = allocator.map.netIdOf(eid);
      allocator.release(eid, tick);
      removeEntity(world, eid);
      if (options.marked === true) {
        a.remove(id);
        b.remove(id);
      }
      if (lost?.eid === eid) lost = undefined;
    }
    if (rng.chance(0.3)) spawn(tick);
    const list = live.slice();
    if (rng.chance(0.1)) list.push(list[rng.int(0, list.length - 1)] as number);
    capture(js, list, a, tick);
    capture(wasm, list, b, tick);
    expectSameState(a, b, `seed ${seed} tick ${tick}`);
  }
}

describe("wasm capture, four entries a step", () => {
  it.each([37, 38, 39, 40, 41, 3, 5])(
    "matches the JS kernel on the bench's registry with %i entities in spawn order",
    (count) => {
      checkRuns(700 + count, benchKind(), count);
      checkRuns(800 + count, benchKind(), count, { pooled: true });
    },
  );

  it("matches the JS kernel on the server's registry (ints on plain arrays), every inline kind, mixed column lengths", () => {
    checkRuns(901, serverKind(), 41, { pooled: true });
    checkRuns(902, inlineKinds(), 42, { pooled: true });
    checkRuns(903, mixedLengths(), 43);
  });

  it("matches the JS kernel when the world's membership arrays reach far past the listed entities", () => {
    checkRuns(921, benchKind(), 41, { unlisted: 1000, pooled: true });
    checkRuns(922, inlineKinds(), 38, { unlisted: 1000 });
  });

  it("throws the JS kernel's error for an unmapped entity or a network id past the capacity inside a run of four, writing nothing", () => {
    const { js, wasm } = twin(benchKind());
    const world = createWorld();
    const allocator = new NetworkIdAllocator(CAPACITY);
    const eids = Array.from({ length: 12 }, () => addEntity(world));
    for (const eid of eids) for (const f of js.fields) addComponent(world, eid, f.component);
    for (const eid of eids) if (eid !== eids[6]) allocator.allocate(eid, 0);
    const thrown = (registry: ReplicationRegistry, list: number[], state: SnapshotState): unknown => {
      try {
        captureWorld(world, registry, list, allocator.map, state, 1);
      } catch (e) {
        return e;
      }
      return undefined;
    };
    const unmapped = eids.slice(0, 8);
    const expected = thrown(js, unmapped, new SnapshotState(js, CAPACITY));
    expect(expected).toBeInstanceOf(Error);
    // Network ids 0..9 into a state of 8 (the JS kernel's writes there are no-ops; wasm throws).
    const tooFar = eids.slice(0, 6).concat(eids.slice(7, 11));
    for (const pooled of [false, true]) {
      wasmKernels.enabled = pooled;
      const b = new SnapshotState(wasm, CAPACITY);
      const small = new SnapshotState(wasm, 8);
      wasmKernels.enabled = false;
      expect(thrown(wasm, unmapped, b)).toEqual(expected);
      expect(b.count(), "nothing written").toBe(0);
      expect(String(thrown(wasm, tooFar, small))).toMatch(/outside the state's capacity/);
      expect(small.count(), "nothing written").toBe(0);
    }
  });

  it("matches the JS kernel in captureEntities (marked change detection) and with the scalar kernel", () => {
    checkRuns(911, benchKind(), 41, { pooled: true, marked: true });
    checkRuns(912, serverKind(), 42, { marked: true });
    checkRuns(913, benchKind(), 41, { scalar: true });
  });
});
