/**
 * Session 11 review (REV): captureWorld's steady path (codec/wasm/captureSteady.ts) against the JS
 * kernel over random sequences of what may change between two calls: the list mutated in place
 * (entries swapped, replaced by another entity, by one past the bound), membership changes, network
 * ids freed and re-allocated, rows the user removed, captureEntities sparse (the JS kernel) and
 * dense in between, another world of the same components (its own EntityMap), another state,
 * int fields (a plain array with holes, a typed one) rewritten or replaced by a same-length array,
 * pool growth. Same state as the JS kernel after every call; the steady path must run often.
 */
import { addComponent, addEntity, createWorld, removeComponent, type World } from "bitecs";
import { createRng, type Rng } from "@canopy/core";
import { afterEach, describe, expect, it } from "vitest";
import { layoutOf } from "../../../src/replication/codec/kernels/worldLayout";
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

const ENTITIES = 320;
const CAPACITY = 400;
const SIZE = ENTITIES + 40;

interface Scene {
  world: World;
  allocator: NetworkIdAllocator;
  eids: number[];
  list: Int32Array;
}

function runFuzz(seed: number, ints: boolean): number {
  const rng: Rng = createRng(seed);
  const f32 = (): Float32Array => new Float32Array(SIZE);
  const position = { x: f32(), y: f32(), z: f32() };
  const rotation = { x: f32(), y: f32(), z: f32(), w: f32() };
  const owner: (number | undefined)[] = [];
  const team = new Int16Array(SIZE);
  const source = new ReplicationRegistry();
  source.replicate(position, Vec3Template({ min: -50, max: 50, precision: 1 / 512 }), { name: "p" });
  source.replicate(rotation, QuatTemplate({ bits: 9 }), { name: "r" });
  if (ints) {
    source.replicate(owner, IntTemplate({ min: -1, max: 31 }), { name: "owner" });
    source.replicate(team, IntTemplate({ min: 0, max: 7 }), { name: "team" });
  }
  const components: object[] = ints ? [position, rotation, owner, team] : [position, rotation];
  const { js, wasm } = twin(source);
  const scene = (): Scene => {
    const world = createWorld();
    const allocator = new NetworkIdAllocator(CAPACITY);
    const eids: number[] = [];
    for (let i = 0; i < ENTITIES; i++) {
      const eid = addEntity(world);
      for (const c of components) addComponent(world, eid, c);
      owner[eid] = i % 7;
      allocator.allocate(eid, 0);
      eids.push(eid);
    }
    return { world, allocator, eids, list: Int32Array.from(eids.slice(0, ENTITIES - 20)) };
  };
  const scenes = [scene(), scene()];
  const a = [new SnapshotState(js, CAPACITY), new SnapshotState(js, CAPACITY)];
  wasmKernels.enabled = true;
  const b = [new SnapshotState(wasm, CAPACITY), new SnapshotState(wasm, CAPACITY)];
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
  let steady = 0;
  let grown = 0;
  let s = 0; // the scene
  let st = 0; // the state
  for (let tick = 1; tick <= 400; tick++) {
    const sc = scenes[s] as Scene;
    for (const eid of sc.eids) {
      for (const col of Object.values(position)) col[eid] = rng.range(-40, 40);
      for (const col of Object.values(rotation)) col[eid] = rng.range(-1, 1);
    }
    const op = rng.int(0, 19);
    const list = sc.list;
    const pick = (): number => rng.int(0, list.length - 1);
    let what = "same";
    if (op === 0) {
      what = "swap in place";
      const i = pick();
      const j = pick();
      const t = list[i] as number;
      list[i] = list[j] as number;
      list[j] = t;
    } else if (op === 1) {
      what = "replace by an unlisted entity (maybe past the bound)";
      const unlisted = sc.eids.filter((e) => !list.includes(e));
      if (unlisted.length > 0) list[pick()] = unlisted[rng.int(0, unlisted.length - 1)] as number;
    } else if (op === 2) {
      what = "membership";
      const eid = list[pick()] as number;
      const c = components[rng.int(0, components.length - 1)] as object;
      if (rng.chance(0.5)) removeComponent(sc.world, eid, c);
      else addComponent(sc.world, eid, c);
    } else if (op === 3) {
      what = "network id freed and re-allocated";
      const eid = list[pick()] as number;
      sc.allocator.release(eid, tick);
      if (rng.chance(0.5)) {
        const other = sc.eids.find((e) => sc.allocator.map.netIdOf(e) < 0 && e !== eid);
        if (other !== undefined) sc.allocator.allocate(other, tick);
      }
      sc.allocator.allocate(eid, tick);
    } else if (op === 4) {
      what = "user remove";
      const id = sc.allocator.map.netIdOf(list[pick()] as number);
      (a[st] as SnapshotState).remove(id);
      (b[st] as SnapshotState).remove(id);
    } else if (op === 5) {
      what = "captureEntities sparse";
      const some = Int32Array.from([list[pick()] as number, list[pick()] as number]);
      captureEntities(sc.world, js, some, sc.allocator.map, a[st] as SnapshotState, tick);
      captureEntities(sc.world, wasm, some, sc.allocator.map, b[st] as SnapshotState, tick);
    } else if (op === 6) {
      what = "captureEntities dense";
      const some = list.subarray(rng.int(0, 10));
      captureEntities(sc.world, js, some, sc.allocator.map, a[st] as SnapshotState, tick);
      captureEntities(sc.world, wasm, some, sc.allocator.map, b[st] as SnapshotState, tick);
    } else if (op === 7) {
      what = "other world";
      s = 1 - s;
    } else if (op === 8) {
      what = "other state";
      st = 1 - st;
    } else if (op === 9 && ints) {
      what = "ints rewritten";
      for (const eid of sc.eids) {
        owner[eid] = rng.chance(0.1) ? undefined : rng.int(-1, 31);
        team[eid] = rng.int(0, 7);
      }
    } else if (op === 10 && grown < 3) {
      grown++;
      what = "pool growth";
      const pool = (b[st] as SnapshotState).pool as CodecMemoryPool;
      const generation = pool.generation;
      while (pool.generation === generation) pool.alloc();
    } else if (op === 11) {
      what = "shorter list in place";
      sc.list = list.subarray(0, list.length - rng.int(1, 5));
    } else if (op === 12) {
      what = "a listed id's row values only";
      const eid = list[pick()] as number;
      position.x[eid] = 49;
      if (ints) owner[eid] = 31;
    }
    const cur = scenes[s] as Scene;
    const before = wholeCalls;
    captureWorld(cur.world, js, cur.list, cur.allocator.map, a[st] as SnapshotState, tick);
    captureWorld(cur.world, wasm, cur.list, cur.allocator.map, b[st] as SnapshotState, tick);
    if (wholeCalls === before) steady++;
    expectSameState(a[st] as SnapshotState, b[st] as SnapshotState, `seed ${seed}, tick ${tick} (${what})`);
  }
  return steady;
}

describe("captureWorld's steady path, random changes between calls", () => {
  it.each([
    [1, false],
    [2, false],
    [3, true],
    [4, true],
  ] as const)(
    "seed %i (int fields: %s): same states as the JS kernel",
    (seed, ints) => {
      expect(runFuzz(seed, ints)).toBeGreaterThan(100);
    },
    60_000,
  );
});
