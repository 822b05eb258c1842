/**
 * captureEntities ("marked" change detection: only the listed entities are captured, the other
 * rows stay) in wasm — codec/wasm/wasmCapture.ts `captureWorld` with `remove` 0 — against
 * captureEntities with the JS kernel: the same state (present, mask, values, version, version
 * counter, high water) after every tick of evolving bitECS worlds, with despawned entities removed
 * by the caller as prepareSnapshots does; in place (pool-backed) and in a memory of its own, lists
 * longer than a batch, the scalar kernel; rows of entities not listed are kept, never removed.
 */
import { createWorld, addEntity, addComponent } from "bitecs";
import { createRng } from "@canopy/core";
import { afterEach, describe, expect, it, vi } from "vitest";
import { componentMasks, layoutOf } from "../../../src/replication/codec/kernels/worldLayout";
import { wasmKernels } from "../../../src/replication/codec/wasm/wasmKernels";
import { EntityList } from "../../../src/replication/server/entityList";
import { captureEntities } from "../../../src/replication/worldCapture";
import {
  captureWorld,
  FloatTemplate,
  IntTemplate,
  QuatTemplate,
  NetworkIdAllocator,
  ReplicationRegistry,
  SnapshotState,
  Vec3Template,
} from "../../../src/replication/index";
import { CAPACITY } from "../kernelFixture";
import { evolveWorld, inlineKinds, mixedLengths, moveWorld } from "./captureWorlds";
import { countedKernel, expectSameState, missingNetId, twin } from "./captureTwins";

afterEach(() => {
  wasmKernels.enabled = false;
});

function entityList(ids: readonly number[]): EntityList {
  const list = new EntityList();
  for (const id of ids) list.push(id);
  return list;
}

/**
 * Both captureEntities over 40 evolving ticks, each capturing a random share of the live entities
 * (`marked`); returns how many wasm captures ran the whole-call path and how many rows stayed
 * present without being listed (they must be kept).
 */
function checkMarked(
  seed: number,
  source: ReplicationRegistry,
  options: { pooled?: boolean; batch?: number; scalar?: boolean; marked?: number } = {},
): { whole: number; kept: number } {
  const rng = createRng(seed);
  const { js, wasm } = twin(source);
  const { kernel, direct, calls } = countedKernel(wasm, options, (args) =>
    expect(args[6], "captureEntities removes nothing").toBe(0),
  );
  expect(kernel, `seed ${seed}`).toBeDefined();
  if (kernel === undefined) return { whole: 0, kept: 0 };
  const world = createWorld();
  const allocator = new NetworkIdAllocator(CAPACITY, 3);
  const live: number[] = [];
  const a = new SnapshotState(js, CAPACITY);
  wasmKernels.enabled = options.pooled === true;
  const b = new SnapshotState(wasm, CAPACITY);
  wasmKernels.enabled = false;
  expect(b.pool !== undefined, "pool-backed").toBe(options.pooled === true);
  const spawn = (tick: number): void => {
    const eid = addEntity(world);
    for (const f of source.fields) if (rng.chance(0.8)) addComponent(world, eid, f.component);
    allocator.allocate(eid, tick);
    live.push(eid);
  };
  for (let i = 0; i < 40; i++) spawn(0);
  let kept = 0;
  for (let tick = 1; tick <= 40; tick++) {
    const before = new Map(live.map((eid) => [eid, allocator.map.netIdOf(eid)]));
    // The first tick lists everything (as new entities are); later ones a random share.
    const leaveOut = tick === 1 ? 0 : 1 - (options.marked ?? 0.4);
    const list = evolveWorld(rng, world, source, allocator, live, tick, spawn, leaveOut);
    // Despawned entities: the caller removes their rows (prepareSnapshots' marked mode).
    const alive = new Set(live);
    for (const [eid, id] of before) {
      if (alive.has(eid)) continue;
      a.remove(id);
      b.remove(id);
    }
    if (rng.chance(0.3)) list.sort((x, y) => x - y);
    // An Int32Array, an array, or the server's EntityList (an array-like object: copied by a loop).
    const kind = rng.int(0, 2);
    const entities = kind === 0 ? Int32Array.from(list) : kind === 1 ? list : entityList(list);
    captureEntities(world, js, entities, allocator.map, a, tick);
    if (!direct) captureEntities(world, wasm, entities, allocator.map, b, tick);
    else {
      const layout = layoutOf(wasm);
      expect(componentMasks(world, layout)).toBe(true);
      b.tick = tick;
      b.versioned = true;
      const ran = kernel.captureWorld(
        entities,
        allocator.map,
        b,
        layout.hasMasks,
        layout.hasFlags,
        missingNetId,
        0,
      );
      expect(ran).toBe(true);
    }
    expect(b.tick).toBe(tick);
    expectSameState(a, b, `seed ${seed} tick ${tick}`);
    const listed = new Set(list.map((eid) => allocator.map.netIdOf(eid)));
    for (let id = 0; id < a.highWater; id++) if (a.present[id] === 1 && !listed.has(id)) kept++;
  }
  return { whole: calls.whole, kept };
}

describe("captureEntities in wasm (marked change detection)", () => {
  it("matches the JS kernel and keeps the rows not listed: every inline kind, mixed column lengths with a plain-array int", () => {
    for (const [seed, registry, pooled] of [
      [601, inlineKinds(), false],
      [602, inlineKinds(), true],
      [603, mixedLengths(), false],
      [604, mixedLengths(), true],
    ] as const) {
      const { whole, kept } = checkMarked(seed, registry, { pooled });
      expect(whole, `seed ${seed}`).toBe(40);
      expect(kept, `seed ${seed}: rows kept without being listed`).toBeGreaterThan(100);
    }
  });

  it("matches the JS kernel with lists longer than a batch and with the scalar kernel", () => {
    expect(checkMarked(611, inlineKinds(), { batch: 8, marked: 0.7 }).whole).toBe(40);
    expect(checkMarked(612, mixedLengths(), { batch: 4, pooled: true, marked: 0.7 }).whole).toBe(40);
    expect(checkMarked(613, inlineKinds(), { scalar: true, pooled: true }).whole).toBe(40);
  });

  it("runs the server's kind of registry (vec3 + ints on plain arrays) in wasm, in place", () => {
    const registry = new ReplicationRegistry();
    const n = CAPACITY;
    registry.replicate(
      { x: new Float32Array(n), y: new Float32Array(n), z: new Float32Array(n) },
      Vec3Template({ min: -50, max: 50, precision: 1 / 512 }),
    );
    registry.replicate([] as number[], IntTemplate({ min: -1, max: 31 }), { name: "owner" });
    expect(checkMarked(621, registry, { pooled: true, marked: 0.1 }).whole).toBe(40);
  });

  it("makes no typed-array view per call when the largest listed entity changes from call to call", () => {
    const { js, wasm } = twin(mixedLengths());
    const world = createWorld();
    const allocator = new NetworkIdAllocator(CAPACITY);
    const eids: number[] = [];
    for (let i = 0; i < 90; i++) {
      const eid = addEntity(world);
      for (const f of js.fields) addComponent(world, eid, f.component);
      allocator.allocate(eid, 0);
      eids.push(eid);
    }
    wasmKernels.enabled = true;
    const b = new SnapshotState(wasm, CAPACITY);
    wasmKernels.enabled = false;
    const a = new SnapshotState(js, CAPACITY);
    // Every 10th entity from an offset, up to a varying end: the largest listed id moves each call.
    const list = (t: number): number[] => eids.filter((_, i) => i % 10 === t % 10 && i < 90 - ((t * 7) % 30));
    const lists = Array.from({ length: 40 }, (_, t) => Int32Array.from(list(t)));
    for (let t = 0; t < 40; t++) captureEntities(world, wasm, lists[t] as Int32Array, allocator.map, b, t);
    const typed = Object.getPrototypeOf(Int8Array.prototype) as { subarray: (...args: number[]) => unknown };
    const subarray = vi.spyOn(typed, "subarray");
    for (let t = 0; t < 40; t++)
      captureEntities(world, wasm, lists[t] as Int32Array, allocator.map, b, 40 + t);
    expect(subarray, "views made after the first calls").not.toHaveBeenCalled();
    subarray.mockRestore();
    for (let t = 0; t < 80; t++) captureEntities(world, js, lists[t % 40] as Int32Array, allocator.map, a, t);
    expectSameState(a, b, "after 80 marked captures");
  });

  it("runs sparse lists through the JS kernel and dense ones in wasm, interleaved: the JS kernel's states", () => {
    const rng = createRng(631);
    const capacity = 512;
    const long = 4096;
    const f32 = (): Float32Array => new Float32Array(long);
    const source = new ReplicationRegistry();
    source.replicate(
      { x: f32(), y: f32(), z: new Float32Array(2200) }, // z: shorter than the ids reach (past it: NaN)
      Vec3Template({ min: -50, max: 50, precision: 1 / 512 }),
    );
    source.replicate({ x: f32(), y: f32(), z: f32(), w: f32() }, QuatTemplate({ bits: 9 }));
    source.replicate(new Float64Array(2300), FloatTemplate({ min: -1, max: 3, precision: 1 / 256 }));
    source.replicate([] as number[], IntTemplate({ min: -1, max: 31 }), { name: "owner" });
    source.replicate(new Int32Array(long), IntTemplate({ min: 0, max: 9 }), { name: "typed" });
    const { js, wasm } = twin(source);
    const world = createWorld();
    const allocator = new NetworkIdAllocator(capacity);
    for (let i = 0; i < 2000; i++) addEntity(world); // not replicated
    const live: number[] = [];
    for (let i = 0; i < 400; i++) {
      const eid = addEntity(world);
      for (const f of source.fields) if (rng.chance(0.85)) addComponent(world, eid, f.component);
      allocator.allocate(eid, 0);
      live.push(eid);
    }
    const a = new SnapshotState(js, capacity);
    wasmKernels.enabled = true;
    const b = new SnapshotState(wasm, capacity);
    wasmKernels.enabled = false;
    const kernel = layoutOf(wasm).wasmCapture;
    expect(kernel).toBeDefined();
    const inWasm = vi.spyOn(kernel as NonNullable<typeof kernel>, "captureWorld");
    const both = (list: number[], tick: number): void => {
      const kind = rng.int(0, 2);
      const entities = kind === 0 ? Int32Array.from(list) : kind === 1 ? list : entityList(list);
      captureEntities(world, js, entities, allocator.map, a, tick);
      captureEntities(world, wasm, entities, allocator.map, b, tick);
      expectSameState(a, b, `tick ${tick}`);
    };
    let dense = 0;
    for (let tick = 1; tick <= 30; tick++) {
      moveWorld(rng, source, live, 0.5);
      const all = tick === 1 || rng.chance(0.25);
      if (all) dense++;
      both(all ? live.slice() : live.filter(() => rng.chance(0.05)), tick);
    }
    expect(inWasm.mock.calls.length, "dense lists in wasm, sparse ones not").toBe(dense);
    // An entity's values A (sparse: JS kernel, its shadow holds A), B (dense: wasm), A again
    // (sparse): the JS kernel must not take A for unchanged (wasm wrote B's slots).
    const e = live[7] as number;
    const columns = source.fields.map((f) => (f.binding.columns ?? []) as ArrayLike<number>[]);
    const save = (): number[][] => columns.map((cs) => cs.map((c) => c[e] as number));
    const restore = (v: number[][]): void =>
      columns.forEach((cs, f) => cs.forEach((c, k) => ((c as number[])[e] = v[f]?.[k] as number)));
    moveWorld(rng, source, [e], 1);
    const valuesA = save();
    both([e], 31);
    moveWorld(rng, source, live, 1);
    both(live.slice(), 32);
    restore(valuesA);
    both([e], 33);
    // The same with captureWorld (wasm) writing B.
    moveWorld(rng, source, live, 1);
    captureWorld(world, js, live, allocator.map, a, 34);
    captureWorld(world, wasm, live, allocator.map, b, 34);
    expectSameState(a, b, "tick 34");
    restore(valuesA);
    both([e], 35);
    inWasm.mockRestore();
  });

  it("throws the JS kernel's error for an unmapped entity and writes nothing", () => {
    const { js, wasm } = twin(mixedLengths());
    const world = createWorld();
    const allocator = new NetworkIdAllocator(CAPACITY);
    const mapped = addEntity(world);
    const unmapped = addEntity(world);
    allocator.allocate(mapped, 0);
    const thrown = (registry: ReplicationRegistry, state: SnapshotState): unknown => {
      try {
        captureEntities(world, registry, [mapped, unmapped], allocator.map, state, 1);
      } catch (e) {
        return e;
      }
      return undefined;
    };
    const expected = thrown(js, new SnapshotState(js, CAPACITY));
    expect(expected).toBeInstanceOf(Error);
    for (const pooled of [false, true]) {
      wasmKernels.enabled = pooled;
      const b = new SnapshotState(wasm, CAPACITY);
      wasmKernels.enabled = false;
      expect(thrown(wasm, b)).toEqual(expected);
      expect(b.count(), "nothing written").toBe(0);
    }
  });
});
