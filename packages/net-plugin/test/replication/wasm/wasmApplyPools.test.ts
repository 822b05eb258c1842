/**
 * applySnapshot keeps the wasm apply kernel it found on the registry's layout (worldApply.ts
 * applyKernelOf): with states of one registry in two pools (two capacities), applied in turn, each
 * call runs the kernel of its states' pool, and the world ends with the values the JS kernel gives.
 */
import { addComponent, addEntity, createWorld } from "bitecs";
import { afterEach, describe, expect, it } from "vitest";
import { wasmApplyOf } from "../../../src/replication/codec/wasm/wasmApply";
import { wasmKernels } from "../../../src/replication/codec/wasm/wasmKernels";
import {
  applySnapshot,
  captureWorld,
  EntityMap,
  NetworkIdAllocator,
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
  return r;
}

describe("applySnapshot's kernel per pool", () => {
  it("runs the kernel of each state's pool when two pools of one registry alternate", () => {
    // Server: a world of 10 moving entities captured into a plain state.
    const server = vec();
    const serverRegistry = registryOf(server);
    const world = createWorld();
    const allocator = new NetworkIdAllocator(32);
    const entities: number[] = [];
    for (let i = 0; i < 10; i++) {
      const eid = addEntity(world);
      addComponent(world, eid, server);
      allocator.allocate(eid, 0);
      entities.push(eid);
    }
    const captured = new SnapshotState(serverRegistry, 32);
    // Clients: one with the wasm kernels (states in two pools), one with the JS kernel.
    const wasmColumn = vec();
    const jsColumn = vec();
    wasmKernels.enabled = true;
    const wasmRegistry = registryOf(wasmColumn);
    const small = [new SnapshotState(wasmRegistry, 32), new SnapshotState(wasmRegistry, 32)];
    const large = [new SnapshotState(wasmRegistry, 48), new SnapshotState(wasmRegistry, 48)];
    wasmKernels.enabled = false;
    const jsRegistry = registryOf(jsColumn);
    const jsStates = [new SnapshotState(jsRegistry, 32), new SnapshotState(jsRegistry, 32)];
    const smallPool = small[0]?.pool;
    const largePool = large[0]?.pool;
    expect(smallPool).toBeDefined();
    expect(largePool).toBeDefined();
    expect(largePool).not.toBe(smallPool);
    const wasmWorld = createWorld();
    const jsWorld = createWorld();
    const wasmMap = new EntityMap(64);
    const jsMap = new EntityMap(64);
    let wasmPrev: SnapshotState | undefined;
    let jsPrev: SnapshotState | undefined;
    const into = (target: SnapshotState): SnapshotState => {
      target.present.fill(0);
      target.mask.fill(0);
      target.present.set(captured.present.subarray(0, 32));
      target.mask.set(captured.mask.subarray(0, 32));
      target.values.set(captured.values.subarray(0, 32 * captured.stride));
      target.highWater = captured.highWater;
      return target;
    };
    for (let tick = 0; tick < 12; tick++) {
      for (const eid of entities) {
        server.x[eid] = Math.sin(tick + eid);
        server.y[eid] = Math.cos(tick * 2 + eid);
        server.z[eid] = (tick % 5) - eid / 4;
      }
      captureWorld(world, serverRegistry, entities, allocator.map, captured, tick);
      // Two ticks on the small pool, two on the large one (prev from the same pool, as the kernel needs).
      const states = (tick >> 1) % 2 === 0 ? small : large;
      const pool = (tick >> 1) % 2 === 0 ? smallPool : largePool;
      if (wasmPrev !== undefined && wasmPrev.pool !== pool) wasmPrev = undefined;
      const kernel = () => (pool === undefined ? undefined : wasmApplyOf(pool));
      const before = kernel()?.calls ?? 0;
      const next = into(states[tick & 1] as SnapshotState);
      wasmKernels.enabled = true;
      applySnapshot(wasmWorld, wasmRegistry, wasmPrev, next, wasmMap);
      wasmKernels.enabled = false;
      expect(kernel()?.calls, `tick ${tick}: its pool's kernel ran`).toBe(before + 1);
      wasmPrev = next;
      const jsNext = into(jsStates[tick & 1] as SnapshotState);
      applySnapshot(jsWorld, jsRegistry, jsPrev, jsNext, jsMap);
      jsPrev = jsNext;
      for (let id = 0; id < 10; id++) {
        const a = wasmMap.entityOf(id);
        const b = jsMap.entityOf(id);
        for (const k of ["x", "y", "z"] as const) {
          expect(wasmColumn[k][a], `tick ${tick} id ${id} ${k}`).toBe(jsColumn[k][b]);
        }
      }
    }
  });
});
