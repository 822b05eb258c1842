/**
 * componentMasks (worldLayout.ts) keeps the membership tables it found for the last world while
 * that world registers no component: captureWorld (wasm whole call, and the JS kernel) must still
 * see a registry component registered in the world after the first capture, another component
 * registered in between, resetWorld, and two worlds captured in turn with one registry — every
 * entity's mask as bitECS's hasComponent says.
 */
import { addComponent, addEntity, createWorld, hasComponent, resetWorld, type World } from "bitecs";
import { afterEach, describe, expect, it } from "vitest";
import { layoutOf } from "../../../src/replication/codec/kernels/worldLayout";
import { wasmKernels } from "../../../src/replication/codec/wasm/wasmKernels";
import {
  captureWorld,
  NetworkIdAllocator,
  ReplicationRegistry,
  SnapshotState,
  Vec3Template,
} from "../../../src/replication/index";

afterEach(() => {
  wasmKernels.enabled = false;
});

const CAP = 64;
const vec = () => ({ x: new Float32Array(256), y: new Float32Array(256), z: new Float32Array(256) });

function registryOf(wasm: boolean, a: object, b: object): ReplicationRegistry {
  wasmKernels.enabled = wasm;
  const r = new ReplicationRegistry();
  r.replicate(a, Vec3Template({ min: -10, max: 10, precision: 0.01 }), { name: "a" });
  r.replicate(b, Vec3Template({ min: -10, max: 10, precision: 0.01 }), { name: "b" });
  layoutOf(r);
  wasmKernels.enabled = false;
  return r;
}

/** One world with its ids and the entities it captures. */
class Side {
  world: World = createWorld();
  allocator = new NetworkIdAllocator(CAP);
  entities: number[] = [];
  spawn(components: object[]): number {
    const eid = addEntity(this.world);
    for (const c of components) addComponent(this.world, eid, c);
    this.allocator.allocate(eid, 0);
    this.entities.push(eid);
    return eid;
  }
}

describe("captureWorld's membership tables across world changes", () => {
  it.each([true, false])("masks follow bitECS (wasm kernels %s)", (wasm) => {
    const a = vec();
    const b = vec();
    const registry = registryOf(wasm, a, b);
    expect(layoutOf(registry).wasmCapture !== undefined, "wasm whole call").toBe(wasm);
    wasmKernels.enabled = wasm;
    const state = new SnapshotState(registry, CAP);
    wasmKernels.enabled = false;
    let tick = 0;
    const check = (s: Side, what: string): void => {
      captureWorld(s.world, registry, s.entities, s.allocator.map, state, ++tick);
      for (const eid of s.entities) {
        const id = s.allocator.map.netIdOf(eid);
        const want = (hasComponent(s.world, eid, a) ? 1 : 0) | (hasComponent(s.world, eid, b) ? 2 : 0);
        expect(state.mask[id], `${what}: entity ${eid}`).toBe(want);
        expect(state.present[id], `${what}: entity ${eid} present`).toBe(want === 0 ? 0 : 1);
      }
    };
    const one = new Side();
    for (let i = 0; i < 5; i++) one.spawn([a]);
    check(one, "b not registered in the world");
    check(one, "again");
    addComponent(one.world, one.entities[1] as number, b); // registers b in the world
    check(one, "b registered after the first capture");
    addComponent(one.world, one.entities[2] as number, {}); // another component registered
    addComponent(one.world, one.entities[3] as number, b);
    check(one, "another component registered");
    const two = new Side();
    two.spawn([b]);
    two.spawn([a, b]);
    two.spawn([a]);
    check(two, "a second world");
    check(one, "the first world again");
    addComponent(two.world, two.entities[2] as number, b);
    check(two, "the second world again");
    resetWorld(one.world);
    one.entities = [];
    one.allocator = new NetworkIdAllocator(CAP);
    one.spawn([b]);
    one.spawn([a]);
    check(one, "after resetWorld");
  });
});
