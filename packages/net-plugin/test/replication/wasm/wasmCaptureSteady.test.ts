/**
 * captureWorld's steady path (codec/wasm/captureSteady.ts: after an in-place call whose tables stay
 * valid, the next call copies the list and columns and makes one wasm call) against the JS kernel,
 * over a scripted moving world: each step changes one input between calls and says whether the
 * steady path may take the call. Steps that keep it: the same list, its content changed in place,
 * a shorter list object, rows the user removed from the state, captureEntities. Steps that must
 * not: a list past the bound, a membership change, a network id rebound, another state, another
 * EntityMap, pool growth, a grow by another user of the memory (views detached), the seen stamp
 * wrapping. Every step: the same state as the JS kernel; the whole-path calls are counted per step.
 */
import { addComponent, addEntity, createWorld, removeComponent } from "bitecs";
import { createRng, type Rng } from "@canopy/core";
import { afterEach, describe, expect, it } from "vitest";
import { layoutOf } from "../../../src/replication/codec/kernels/worldLayout";
import type { Runner } from "../../../src/replication/codec/wasm/captureRunner";
import type { CodecMemoryPool } from "../../../src/replication/codec/wasm/codecMemory";
import { wasmKernels } from "../../../src/replication/codec/wasm/wasmKernels";
import {
  captureEntities,
  captureWorld,
  IntTemplate,
  NetworkIdAllocator,
  QuatTemplate,
  ReplicationRegistry,
  SnapshotState,
  Vec3Template,
} from "../../../src/replication/index";
import { expectSameState, twin } from "./captureTwins";

afterEach(() => {
  wasmKernels.enabled = false;
});

const ENTITIES = 30;
const CAPACITY = 48;

type Columns = Record<string, Float32Array>;

/** What changes before a step's capture, and whether the steady path may take the call. */
const SCRIPT: readonly (readonly [string, boolean])[] = [
  ["first", false],
  ["same", true],
  ["same", true],
  ["content", true],
  ["shorter", true],
  ["back", false],
  ["same", true],
  ["user remove", true],
  ["membership", false],
  ["same", true],
  ["rebind", false],
  ["same", true],
  ["other state", false],
  ["same", true],
  ["other map", false],
  ["same", true],
  ["pool growth", false],
  ["same", true],
  ["detach", false],
  ["same", true],
  ["wrap", false],
  ["same", true],
  ["entities", true],
  ["same", true],
];

/** New random positions and rotations for `eids`. */
function move(rng: Rng, eids: ArrayLike<number>, position: Columns, rotation: Columns): void {
  for (let i = 0; i < eids.length; i++) {
    const eid = eids[i] as number;
    for (const col of Object.values(position)) col[eid] = rng.range(-40, 40);
    for (const col of Object.values(rotation)) col[eid] = rng.range(-1, 1);
  }
}

describe("captureWorld's steady path", () => {
  it("takes only calls whose tables are the last call's (same states as the JS kernel)", () => {
    const rng = createRng(41);
    const f32 = (): Float32Array => new Float32Array(ENTITIES + 8);
    const position = { x: f32(), y: f32(), z: f32() };
    const rotation = { x: f32(), y: f32(), z: f32(), w: f32() };
    const source = new ReplicationRegistry();
    source.replicate(position, Vec3Template({ min: -50, max: 50, precision: 1 / 512 }), { name: "p" });
    source.replicate(rotation, QuatTemplate({ bits: 9 }), { name: "r" });
    const { js, wasm } = twin(source);
    const world = createWorld();
    const allocator = new NetworkIdAllocator(CAPACITY);
    const other = new NetworkIdAllocator(CAPACITY);
    const all = new Int32Array(ENTITIES);
    for (let i = 0; i < ENTITIES; i++) {
      const eid = addEntity(world);
      addComponent(world, eid, position);
      addComponent(world, eid, rotation);
      allocator.allocate(eid, 0);
      other.allocate(eid, 0);
      all[i] = eid;
    }
    const a = new SnapshotState(js, CAPACITY);
    const aOther = new SnapshotState(js, CAPACITY);
    wasmKernels.enabled = true;
    const b = new SnapshotState(wasm, CAPACITY);
    const bOther = new SnapshotState(wasm, CAPACITY);
    wasmKernels.enabled = false;
    const kernel = layoutOf(wasm).wasmCapture;
    if (kernel === undefined) throw new Error("no wasm capture kernel");
    const internals = kernel as unknown as { whole: (...args: unknown[]) => boolean; lastRunner: Runner };
    const whole = internals.whole.bind(kernel);
    let wholeCalls = 0;
    internals.whole = (...args) => {
      wholeCalls++;
      return whole(...args);
    };
    let list: Int32Array = all;
    let map = allocator.map;
    let steady = 0;
    SCRIPT.forEach(([step, mayBeSteady], k) => {
      const tick = k + 1;
      move(rng, all, position, rotation);
      if (step === "content") list.set([list[4] as number, list[3] as number], 3);
      if (step === "shorter") list = list.slice(0, ENTITIES - 6);
      if (step === "back") list = all;
      if (step === "user remove") {
        const id = map.netIdOf(list[2] as number);
        a.remove(id);
        b.remove(id);
      }
      if (step === "membership") removeComponent(world, list[5] as number, rotation);
      if (step === "rebind") {
        allocator.release(list[7] as number, tick);
        allocator.allocate(list[7] as number, tick);
        other.release(list[7] as number, tick);
        other.allocate(list[7] as number, tick);
      }
      if (step === "other state") {
        captureWorld(world, js, list, map, aOther, tick);
        captureWorld(world, wasm, list, map, bOther, tick);
        expectSameState(aOther, bOther, `tick ${tick} (${step}): the other state`);
      }
      if (step === "other map") map = map === allocator.map ? other.map : allocator.map;
      const pool = b.pool as CodecMemoryPool;
      if (step === "pool growth") {
        const generation = pool.generation;
        while (pool.generation === generation) pool.alloc();
      }
      if (step === "detach") pool.memory.grow(1);
      if (step === "wrap") internals.lastRunner.stamp = 0xffffffff;
      const before = wholeCalls;
      if (step === "entities") {
        const some = list.subarray(5); // the largest id stays listed: the bound holds
        captureEntities(world, js, some, map, a, tick);
        captureEntities(world, wasm, some, map, b, tick);
      } else {
        captureWorld(world, js, list, map, a, tick);
        captureWorld(world, wasm, list, map, b, tick);
      }
      const took = wholeCalls === before;
      if (!mayBeSteady) expect(took, `tick ${tick} (${step}) on the steady path`).toBe(false);
      if (took) steady++;
      expectSameState(a, b, `tick ${tick} (${step})`);
    });
    // Every step that may take it does (the path is in use, not only never wrong).
    expect(steady, "calls on the steady path").toBe(SCRIPT.filter(([, s]) => s).length);
  });

  it("does not take calls whose gather needs its clamped form (the largest listed entity has no component)", () => {
    const rng = createRng(42);
    const f32 = (): Float32Array => new Float32Array(ENTITIES + 8);
    const position = { x: f32(), y: f32(), z: f32() };
    const rotation = { x: f32(), y: f32(), z: f32(), w: f32() };
    const source = new ReplicationRegistry();
    source.replicate(position, Vec3Template({ min: -50, max: 50, precision: 1 / 512 }), { name: "p" });
    source.replicate(rotation, QuatTemplate({ bits: 9 }), { name: "r" });
    const { js, wasm } = twin(source);
    const world = createWorld();
    const allocator = new NetworkIdAllocator(CAPACITY);
    const list: number[] = [];
    for (let i = 0; i < 10; i++) {
      const eid = addEntity(world);
      addComponent(world, eid, position);
      addComponent(world, eid, rotation);
      list.push(eid);
    }
    // Listed, with a network id, never given a component: bitECS's membership array ends before it.
    list.push(addEntity(world));
    for (const eid of list) allocator.allocate(eid, 0);
    const a = new SnapshotState(js, CAPACITY);
    wasmKernels.enabled = true;
    const b = new SnapshotState(wasm, CAPACITY);
    wasmKernels.enabled = false;
    const kernel = layoutOf(wasm).wasmCapture;
    if (kernel === undefined) throw new Error("no wasm capture kernel");
    const internals = kernel as unknown as { whole: (...args: unknown[]) => boolean };
    const whole = internals.whole.bind(kernel);
    let wholeCalls = 0;
    internals.whole = (...args) => {
      wholeCalls++;
      return whole(...args);
    };
    for (let tick = 1; tick < 6; tick++) {
      move(rng, list, position, rotation);
      captureWorld(world, js, list, allocator.map, a, tick);
      captureWorld(world, wasm, list, allocator.map, b, tick);
      expect(wholeCalls, `tick ${tick}: whole-path calls`).toBe(tick);
      expectSameState(a, b, `tick ${tick}`);
    }
  });

  it("copies the int fields' values on the steady path, and leaves it when a plain int array grows", () => {
    const rng = createRng(43);
    const f32 = (): Float32Array => new Float32Array(ENTITIES + 8);
    const position = { x: f32(), y: f32(), z: f32() };
    const owner: number[] = []; // a plain array, as the server's owner field
    const team = new Int16Array(ENTITIES + 8);
    const source = new ReplicationRegistry();
    source.replicate(position, Vec3Template({ min: -50, max: 50, precision: 1 / 512 }), { name: "p" });
    source.replicate(owner, IntTemplate({ min: -1, max: 31 }), { name: "owner" });
    source.replicate(team, IntTemplate({ min: 0, max: 7 }), { name: "team" });
    const { js, wasm } = twin(source);
    const world = createWorld();
    const allocator = new NetworkIdAllocator(CAPACITY);
    const list: number[] = [];
    for (let i = 0; i < ENTITIES; i++) {
      const eid = addEntity(world);
      for (const c of [position, owner, team]) addComponent(world, eid, c);
      owner[eid] = i % 5;
      allocator.allocate(eid, 0);
      list.push(eid);
    }
    const a = new SnapshotState(js, CAPACITY);
    wasmKernels.enabled = true;
    const b = new SnapshotState(wasm, CAPACITY);
    wasmKernels.enabled = false;
    const kernel = layoutOf(wasm).wasmCapture;
    if (kernel === undefined) throw new Error("no wasm capture kernel");
    const internals = kernel as unknown as { whole: (...args: unknown[]) => boolean };
    const whole = internals.whole.bind(kernel);
    let wholeCalls = 0;
    internals.whole = (...args) => {
      wholeCalls++;
      return whole(...args);
    };
    const script: readonly (readonly [string, boolean])[] = [
      ["first", false],
      ["owner", true],
      ["team", true],
      ["same", true],
      ["owner grows", false],
      ["owner", true],
    ];
    script.forEach(([step, steady], k) => {
      const tick = k + 1;
      move(rng, list, position, {});
      if (step === "owner") for (const eid of list) owner[eid] = rng.int(-1, 31);
      if (step === "team") for (const eid of list) team[eid] = rng.int(0, 7);
      if (step === "owner grows") owner[ENTITIES + 20] = 1; // an entity not listed: no membership change
      const before = wholeCalls;
      captureWorld(world, js, list, allocator.map, a, tick);
      captureWorld(world, wasm, list, allocator.map, b, tick);
      expect(wholeCalls === before, `tick ${tick} (${step}) on the steady path`).toBe(steady);
      expectSameState(a, b, `tick ${tick} (${step})`);
    });
  });
});
