/**
 * Session 11 review (REV): the steady paths' caches against inputs that change between calls while
 * their guards may still match — each case compares the wasm path with the JS kernels.
 */
import { addComponent, addEntity, createWorld, removeComponent } from "bitecs";
import { createRng } from "@canopy/core";
import { afterEach, describe, expect, it } from "vitest";
import type { CodecMemoryPool } from "../../src/replication/codec/wasm/codecMemory";
import { wasmKernels } from "../../src/replication/codec/wasm/wasmKernels";
import {
  captureWorld,
  NetworkIdAllocator,
  QuatTemplate,
  ReplicationRegistry,
  SnapshotState,
  Vec3Template,
} from "../../src/replication/index";
import { expectSameState, twin } from "./wasm/captureTwins";
import { encodeBoth, encodeSides, planOf } from "./wasm/encodeSides";

const CAP = 200;

afterEach(() => {
  wasmKernels.enabled = false;
});

function poseRegistry(): ReplicationRegistry {
  const r = new ReplicationRegistry();
  const col = () => new Float32Array(CAP);
  r.replicate({ x: col(), y: col(), z: col() }, Vec3Template({ min: -500, max: 500, precision: 1 / 512 }));
  r.replicate({ x: col(), y: col(), z: col(), w: col() }, QuatTemplate({ bits: 9 }));
  r.close();
  return r;
}

describe("session 11 steady paths under attack", () => {
  it("encode: the fused packet copy after another user of the memory grew it (pool growth)", () => {
    const rng = createRng(5);
    const registry = poseRegistry();
    wasmKernels.enabled = true;
    const current = new SnapshotState(registry, CAP);
    const sides = encodeSides(registry, CAP);
    for (let id = 0; id < 100; id++) current.setPresent(id, 3);
    for (let tick = 0; tick < 12; tick++) {
      for (let id = 0; id < 100; id++) {
        for (const f of registry.fields)
          for (let k = f.template.kind === "quat" ? 1 : 0; k < f.template.width; k++) {
            const max = f.template.slotMax[k] as number;
            const o = id * current.stride + f.offset + k;
            current.values[o] = Math.min(max, Math.max(0, (current.values[o] as number) + rng.int(-30, 30)));
          }
        current.version[id] = tick + 1;
      }
      // Another state's allocation grows the pool's memory: every cached view of it is detached.
      const pool = current.pool as CodecMemoryPool;
      const generation = pool.generation;
      if (tick % 3 === 2) while (pool.generation === generation) pool.alloc();
      encodeBoth(sides, tick, tick - 1, `tick ${tick}`, (s, baseline) => ({
        sequence: tick,
        tick,
        current,
        baseline,
        reference: baseline ? s.ring.referenceFor(baseline, tick) : undefined,
        out: s.ring.acquire(tick),
      }));
    }
    expect(planOf(sides[0]!.encoder).wasm?.fusedCalls).toBeGreaterThan(8);
  });

  it("capture: two worlds of the same components and one EntityMap, at equal membership revisions", () => {
    const f32 = (): Float32Array => new Float32Array(64);
    const position = { x: f32(), y: f32(), z: f32() };
    const rotation = { x: f32(), y: f32(), z: f32(), w: f32() };
    const source = new ReplicationRegistry();
    source.replicate(position, Vec3Template({ min: -50, max: 50, precision: 1 / 512 }), { name: "p" });
    source.replicate(rotation, QuatTemplate({ bits: 9 }), { name: "r" });
    const { js, wasm } = twin(source);
    // The same entity ids in both worlds, one map for both (its ids name the same numbers).
    const worlds = [createWorld(), createWorld()];
    const allocator = new NetworkIdAllocator(48);
    const list: number[] = [];
    for (const world of worlds) {
      for (let i = 0; i < 20; i++) {
        const eid = addEntity(world);
        addComponent(world, eid, position);
        addComponent(world, eid, rotation);
        if (world === worlds[0]) {
          allocator.allocate(eid, 0);
          list.push(eid);
        }
      }
    }
    const a = new SnapshotState(js, 48);
    wasmKernels.enabled = true;
    const b = new SnapshotState(wasm, 48);
    wasmKernels.enabled = false;
    for (let tick = 1; tick <= 6; tick++) {
      const world = worlds[tick & 1]!;
      // One membership change per world before its first capture (equal revisions), at other entities.
      if (tick <= 2) removeComponent(world, list[tick * 3] as number, rotation);
      for (const eid of list) position.x[eid] = (tick * 7 + eid) % 40;
      captureWorld(world, js, list, allocator.map, a, tick);
      captureWorld(world, wasm, list, allocator.map, b, tick);
      expectSameState(a, b, `tick ${tick}`);
    }
  });
});
