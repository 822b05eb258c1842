/**
 * applySnapshot's steady path (worldApply.ts): the wasm kernel kept on the states' pool
 * (`CodecMemoryPool.applyKernel`) runs only for states of the registry applied; states of another
 * registry (same shape, its own columns) are applied by that registry's path into its columns.
 */
import { createWorld } from "bitecs";
import { afterEach, describe, expect, it } from "vitest";
import { wasmKernels } from "../../../src/replication/codec/wasm/wasmKernels";
import {
  applySnapshot,
  EntityMap,
  ReplicationRegistry,
  SnapshotState,
  Vec3Template,
} from "../../../src/replication/index";

afterEach(() => {
  wasmKernels.enabled = false;
});

const vec = () => ({ x: new Float32Array(64), y: new Float32Array(64), z: new Float32Array(64) });

function registryOf(column: object): ReplicationRegistry {
  const r = new ReplicationRegistry();
  r.replicate(column, Vec3Template({ min: -10, max: 10, precision: 0.01 }), { name: "p" });
  r.close();
  return r;
}

/** A state of `registry` with ids 0..9 present, slot values `base + id` (the same slots for x, y, z). */
function stateOf(registry: ReplicationRegistry, base: number): SnapshotState {
  const s = new SnapshotState(registry, 32);
  for (let id = 0; id < 10; id++) {
    s.setPresent(id, 1);
    for (let k = 0; k < 3; k++) s.values[id * s.stride + k] = base + id * 7 + k;
  }
  return s;
}

describe("applySnapshot's steady path", () => {
  it("applies another registry's states with the registry passed, not with their pool's kernel", () => {
    wasmKernels.enabled = true;
    const one = vec();
    const two = vec();
    const r1 = registryOf(one);
    const r2 = registryOf(two);
    const [a1, b1] = [stateOf(r1, 1000), stateOf(r1, 1500)];
    const a2 = stateOf(r2, 1000);
    expect(a1.pool).toBeDefined();
    expect(a2.pool).not.toBe(a1.pool);
    // Registry one applied once: its pool now holds its kernel (the steady path's).
    const world1 = createWorld();
    const map1 = new EntityMap(64);
    applySnapshot(world1, r1, undefined, a1, map1);
    expect(a1.pool?.applyKernel).toBeTruthy();
    const before = Array.from(one.x);
    // Registry two's world, spawned from its own state, then updated from registry one's states.
    const world2 = createWorld();
    const map2 = new EntityMap(64);
    applySnapshot(world2, r2, undefined, a2, map2);
    const result = applySnapshot(world2, r2, a1, b1, map2);
    expect(result.updated).toBe(10);
    const expected = vec();
    const r3 = registryOf(expected);
    wasmKernels.enabled = false;
    const plain = new SnapshotState(r3, 32);
    plain.copyFrom(b1);
    applySnapshot(createWorld(), r3, undefined, plain, new EntityMap(64));
    for (let id = 0; id < 10; id++) {
      const eid = map2.entityOf(id);
      expect([two.x[eid], two.y[eid], two.z[eid]], `id ${id}`).toEqual([
        expected.x[map2.entityOf(id)],
        expected.y[map2.entityOf(id)],
        expected.z[map2.entityOf(id)],
      ]);
    }
    expect(Array.from(one.x), "registry one's columns untouched").toEqual(before);
  });
});
