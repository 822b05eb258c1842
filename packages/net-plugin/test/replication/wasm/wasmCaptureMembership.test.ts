/**
 * The wasm capture's membership copy skipped while bitECS signalled no change (membershipWatch.ts
 * membershipRevision, captureMaskCopies.ts MaskCopies), against the JS kernel over scripted worlds:
 * every tick the same states, and the copies counted — none on a tick where no watched
 * component's membership changed, one on every tick where one did (a component removed or added,
 * an entity removed and its id recycled, a component added to an unlisted entity), and one every
 * tick in a world with prefabs (addComponent on a prefab runs no query: no signal), after
 * resetWorld (a new component map, its queries not watched yet) and across two registries; and a
 * copy again when the tables were placed anew (a longer list) with no membership change, when
 * another world's membership arrays are captured, when the array grew without a signal, and when
 * the list reaches past the words copied last.
 */
import {
  addComponent,
  addEntity,
  addPrefab,
  createWorld,
  removeComponent,
  removeEntity,
  resetWorld,
  type World,
} from "bitecs";
import { createRng, type Rng } from "@canopy/core";
import { afterEach, describe, expect, it } from "vitest";
import { layoutOf } from "../../../src/replication/codec/kernels/worldLayout";
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
import { expectSameState, twin } from "./captureTwins";

afterEach(() => {
  wasmKernels.enabled = false;
});

const ENTITIES = 12;
const CAPACITY = 320;
type Columns = Record<string, Float32Array>;

function poses(): {
  position: Columns;
  rotation: Columns;
  js: ReplicationRegistry;
  wasm: ReplicationRegistry;
} {
  const f32 = (): Float32Array => new Float32Array(CAPACITY + 8);
  const position = { x: f32(), y: f32(), z: f32() };
  const rotation = { x: f32(), y: f32(), z: f32(), w: f32() };
  const source = new ReplicationRegistry();
  source.replicate(position, Vec3Template({ min: -50, max: 50, precision: 1 / 512 }), { name: "p" });
  source.replicate(rotation, QuatTemplate({ bits: 9 }), { name: "r" });
  return { position, rotation, ...twin(source) };
}

function move(rng: Rng, eids: readonly number[], position: Columns, rotation: Columns): void {
  for (const eid of eids) {
    for (const col of [position.x, position.y, position.z]) (col as Float32Array)[eid] = rng.range(-40, 40);
    for (const col of [rotation.x, rotation.y, rotation.z, rotation.w])
      (col as Float32Array)[eid] = rng.range(-1, 1);
  }
}

/** Membership arrays the wasm capture of `wasm` copied so far (its last runner's tables). */
function copies(wasm: ReplicationRegistry): number {
  const kernel = layoutOf(wasm).wasmCapture as unknown as { lastRunner: Runner | undefined };
  return (kernel.lastRunner as Runner).tables.maskCopies.count;
}

/** A JS and a wasm state of `capacity`, and a capture of both (compared) that returns the copies made. */
function pair(js: ReplicationRegistry, wasm: ReplicationRegistry) {
  const a = new SnapshotState(js, CAPACITY);
  wasmKernels.enabled = true;
  const b = new SnapshotState(wasm, CAPACITY);
  wasmKernels.enabled = false;
  return (
    world: World,
    list: readonly number[],
    allocator: NetworkIdAllocator,
    tick: number,
    what: string,
  ) => {
    captureWorld(world, js, list, allocator.map, a, tick);
    const before = tick === 1 ? 0 : copies(wasm);
    captureWorld(world, wasm, list, allocator.map, b, tick);
    expectSameState(a, b, what);
    return copies(wasm) - before;
  };
}

function populate(
  world: World,
  allocator: NetworkIdAllocator,
  components: object[],
  count: number,
): number[] {
  const eids: number[] = [];
  for (let i = 0; i < count; i++) {
    const eid = addEntity(world);
    for (const c of components) addComponent(world, eid, c);
    allocator.allocate(eid, 0);
    eids.push(eid);
  }
  return eids;
}

type Step = "same" | "remove" | "add" | "despawn" | "respawn" | "unlisted";
const SCRIPT: Step[] = [
  "same",
  "same",
  "remove",
  "same",
  "add",
  "same",
  "despawn",
  "same",
  "respawn",
  "same",
  "unlisted",
  "same",
];

describe("capture membership copy", () => {
  it("copies the membership words only on ticks where bitECS signalled a change (same states as the JS kernel)", () => {
    const rng = createRng(7);
    const { position, rotation, js, wasm } = poses();
    const world = createWorld();
    const allocator = new NetworkIdAllocator(CAPACITY);
    let list = populate(world, allocator, [position, rotation], ENTITIES);
    const other = populate(world, allocator, [position], 2).slice(-1);
    list = list.concat(other);
    const capture = pair(js, wasm);
    capture(world, list, allocator, 1, "first");
    let gone = -1;
    SCRIPT.forEach((step, k) => {
      const tick = k + 2;
      move(rng, list, position, rotation);
      if (step === "remove") removeComponent(world, list[3] as number, rotation);
      if (step === "add") addComponent(world, list[3] as number, rotation);
      if (step === "despawn") {
        gone = list[5] as number;
        allocator.release(gone, tick);
        removeEntity(world, gone);
        list = list.filter((eid) => eid !== gone);
      }
      if (step === "respawn") {
        const eid = addEntity(world); // bitECS recycles the id just removed
        expect(eid).toBe(gone);
        addComponent(world, eid, position);
        allocator.allocate(eid, tick);
        list = list.concat([eid]);
      }
      if (step === "unlisted") addComponent(world, other[0] as number, rotation);
      const copied = capture(world, list, allocator, tick, `tick ${tick} (${step})`);
      expect(copied, `tick ${tick} (${step}) copies`).toBe(step === "same" ? 0 : 1);
    });
  });

  it("copies every call in a world with prefabs, and captures a listed prefab's new component", () => {
    const rng = createRng(8);
    const { position, rotation, js, wasm } = poses();
    const world = createWorld();
    const allocator = new NetworkIdAllocator(CAPACITY);
    const list = populate(world, allocator, [position, rotation], ENTITIES);
    const prefab = addPrefab(world);
    addComponent(world, prefab, position);
    allocator.allocate(prefab, 0);
    list.push(prefab);
    const capture = pair(js, wasm);
    capture(world, list, allocator, 1, "first");
    for (let tick = 2; tick < 6; tick++) {
      move(rng, list, position, rotation);
      if (tick === 4) addComponent(world, prefab, rotation); // no query runs: no signal
      expect(capture(world, list, allocator, tick, `tick ${tick}`), `tick ${tick} copies`).toBe(1);
    }
  });

  it("watches the new component map after resetWorld, and a world captured by two registries", () => {
    const rng = createRng(9);
    const { position, rotation, js, wasm } = poses();
    const second = poses();
    const world = createWorld();
    let allocator = new NetworkIdAllocator(CAPACITY);
    let list = populate(world, allocator, [position, rotation, second.position, second.rotation], ENTITIES);
    const capture = pair(js, wasm);
    const captureSecond = pair(second.js, second.wasm);
    capture(world, list, allocator, 1, "first");
    captureSecond(world, list, allocator, 1, "first, second registry");
    for (let tick = 2; tick < 10; tick++) {
      move(rng, list, position, rotation);
      move(rng, list, second.position, second.rotation);
      if (tick === 4) {
        resetWorld(world);
        allocator = new NetworkIdAllocator(CAPACITY);
        list = populate(world, allocator, [position, rotation, second.position, second.rotation], ENTITIES);
      }
      if (tick === 6) removeComponent(world, list[2] as number, rotation);
      if (tick === 7) removeComponent(world, list[4] as number, second.position);
      const changed = tick === 4 || tick === 6 || tick === 7;
      // Ticks 2 and 5: the second registry started watching its components (in the new map after
      // resetWorld) after the first registry copied: a new revision.
      const first = capture(world, list, allocator, tick, `tick ${tick}`);
      expect(first, `tick ${tick} copies`).toBe(changed || tick === 2 || tick === 5 ? 1 : 0);
      const next = captureSecond(world, list, allocator, tick, `tick ${tick}, second registry`);
      expect(next, `tick ${tick} copies, second registry`).toBe(changed ? 1 : 0);
    }
  });

  it("copies again when a longer list places the tables anew, with no membership change", () => {
    const rng = createRng(10);
    const { position, rotation, js, wasm } = poses();
    const world = createWorld();
    const allocator = new NetworkIdAllocator(CAPACITY);
    const all = populate(world, allocator, [position, rotation], 300);
    // Distinct membership words: every third entity without its rotation.
    for (let i = 0; i < all.length; i += 3) removeComponent(world, all[i] as number, rotation);
    const capture = pair(js, wasm);
    let list = all.slice(0, 200);
    for (let tick = 1; tick < 6; tick++) {
      move(rng, all, position, rotation);
      // Past the list region's 256 entries (ids listed twice, none past the last largest): placed anew.
      if (tick === 3) list = list.concat(all.slice(0, 100));
      const copied = capture(world, list, allocator, tick, `tick ${tick}`);
      if (tick > 1) expect(copied, `tick ${tick} copies`).toBe(tick === 3 ? 1 : 0);
    }
  });

  it("copies when the world changes: two worlds captured alternately by one registry", () => {
    const rng = createRng(11);
    const { position, rotation, js, wasm } = poses();
    const worlds = [createWorld(), createWorld()];
    const allocators = worlds.map(() => new NetworkIdAllocator(CAPACITY));
    const lists = worlds.map((world, w) =>
      populate(world, allocators[w] as NetworkIdAllocator, [position, rotation], 20),
    );
    // Different membership words per world (the same revision count in both: two components watched).
    removeComponent(worlds[1] as World, lists[1]?.[4] as number, rotation);
    const captures = [pair(js, wasm), pair(js, wasm)];
    for (let tick = 1; tick < 6; tick++) {
      for (let w = 0; w < 2; w++) {
        move(rng, lists[w] as number[], position, rotation);
        const copied = (captures[w] as ReturnType<typeof pair>)(
          worlds[w] as World,
          lists[w] as number[],
          allocators[w] as NetworkIdAllocator,
          tick,
          `tick ${tick}, world ${w}`,
        );
        if (tick > 1) expect(copied, `tick ${tick}, world ${w} copies`).toBe(1);
      }
    }
  });

  it("copies when the membership array grew without a signal (an unwatched component on a new entity)", () => {
    const rng = createRng(12);
    const { position, rotation, js, wasm } = poses();
    const [long, short] = [createWorld(), createWorld()];
    const [longIds, shortIds] = [new NetworkIdAllocator(CAPACITY), new NetworkIdAllocator(CAPACITY)];
    const longList = populate(long, longIds, [position, rotation], 40);
    let list = populate(short, shortIds, [position, rotation], 20);
    const [captureLong, captureShort] = [pair(js, wasm), pair(js, wasm)];
    move(rng, longList, position, rotation);
    captureLong(long, longList, longIds, 1, "long world"); // the region holds 40 members' words
    captureShort(short, list, shortIds, 1, "short world"); // its first 21 words
    captureShort(short, list, shortIds, 2, "short world again");
    // New entities past the short world's array, one with an unwatched component: the array grows.
    const tag = {};
    let eid = -1;
    for (let i = 0; i < 10; i++) eid = addEntity(short);
    addComponent(short, eid, tag);
    shortIds.allocate(eid, 3);
    list = list.concat([eid]);
    expect(captureShort(short, list, shortIds, 3, "short world, grown"), "copies").toBe(1);
  });

  it("copies when the list reaches past the words copied last (a long array copied as far as the list)", () => {
    const rng = createRng(13);
    const { position, rotation, js, wasm } = poses();
    const world = createWorld();
    const allocator = new NetworkIdAllocator(CAPACITY);
    const listed = populate(world, allocator, [position, rotation], 150);
    for (let i = 0; i < listed.length; i += 4) removeComponent(world, listed[i] as number, rotation);
    for (let i = 0; i < 450; i++) addComponent(world, addEntity(world), position); // unlisted, no network id
    const capture = pair(js, wasm);
    for (let tick = 1; tick < 5; tick++) {
      move(rng, listed, position, rotation);
      const list = tick < 3 ? listed.slice(0, 20) : listed;
      const copied = capture(world, list, allocator, tick, `tick ${tick}`);
      if (tick > 1) expect(copied, `tick ${tick} copies`).toBe(tick === 3 ? 1 : 0);
    }
  });
});
