/**
 * The generated capture and apply kernels (codec/kernels/worldKernels.ts) against the generic
 * path: the same bitECS components captured by a kernel registry and a generic one give the same
 * quantized integers, and the same states applied to two client worlds give the same floats and
 * the same spawn/despawn/update counts.
 */
import { addComponent, addEntity, createWorld } from "bitecs";
import { createRng } from "@canopy/core";
import { afterEach, describe, expect, it } from "vitest";
import { codecKernels } from "../../src/replication/codec/kernels/compileKernel";
import {
  applySnapshot,
  captureWorld,
  EntityMap,
  NetworkIdAllocator,
  ReplicationRegistry,
  SnapshotState,
} from "../../src/replication/index";
import { allKinds, CAPACITY, channelValue, randomRegistry, type Soa } from "./kernelFixture";

afterEach(() => {
  codecKernels.enabled = true;
});

describe("generated capture and apply kernels", () => {
  it.each([31, 32, 33, 34])("capture and apply give the same integers and floats (seed %i)", (seed) => {
    const rng = createRng(seed);
    // Numeric storage only (this test writes raw channel values).
    const server = seed % 2 === 1 ? allKinds() : randomRegistry(rng, 5).registry;
    // The same component objects under a second registry whose capture runs the generic path.
    const generic = new ReplicationRegistry();
    for (const f of server.fields) generic.replicate(f.component as object, f.template, { name: f.name });
    codecKernels.enabled = false;
    const probe = new SnapshotState(generic, CAPACITY);
    captureWorld(createWorld(), generic, [], new EntityMap(CAPACITY), probe, 0);
    codecKernels.enabled = true;
    const world = createWorld();
    const allocator = new NetworkIdAllocator(CAPACITY);
    const entities: number[] = [];
    for (let i = 0; i < 60; i++) {
      const eid = addEntity(world);
      for (const f of server.fields) if (rng.chance(0.8)) addComponent(world, eid, f.component);
      allocator.allocate(eid, 0);
      entities.push(eid);
    }
    const a = new SnapshotState(server, CAPACITY);
    const b = new SnapshotState(generic, CAPACITY);
    // Client worlds with their own storage, one applied by the kernel and one generically.
    const clients = [server, generic].map((reg, side) => {
      codecKernels.enabled = side === 0;
      const registry = new ReplicationRegistry();
      const storage = reg.fields.map((f) => {
        const c = f.component as Soa | Float32Array | Float64Array | Int32Array;
        const copy = ArrayBuffer.isView(c)
          ? new (c.constructor as Float64ArrayConstructor)(CAPACITY)
          : Object.fromEntries(
              Object.entries(c).map(([k, v]) => [
                k,
                new (v.constructor as Float64ArrayConstructor)(CAPACITY),
              ]),
            );
        registry.replicate(copy, f.template, { name: f.name });
        return copy;
      });
      const state = { registry, storage, world: createWorld(), map: new EntityMap(CAPACITY) };
      captureWorld(state.world, registry, [], state.map, new SnapshotState(registry, CAPACITY), 0);
      codecKernels.enabled = true;
      return state;
    });
    let prev: [SnapshotState | undefined, SnapshotState | undefined] = [undefined, undefined];
    for (let tick = 0; tick < 30; tick++) {
      for (const f of server.fields) {
        const c = f.component as Soa | Float32Array | Float64Array | Int32Array;
        const columns = ArrayBuffer.isView(c) ? [c] : Object.values(c);
        for (let axis = 0; axis < columns.length; axis++)
          for (const eid of entities) {
            if (rng.chance(0.7)) (columns[axis] as Float64Array)[eid] = channelValue(rng, f.template, axis);
          }
      }
      captureWorld(world, server, entities, allocator.map, a, tick);
      captureWorld(world, generic, entities, allocator.map, b, tick);
      expect(a.equals(b), `seed ${seed} tick ${tick}`).toBe(true);
      const next = [a, b].map((s, side) => {
        const copy = new SnapshotState((clients[side] as (typeof clients)[number]).registry, CAPACITY);
        copy.copyFrom(s);
        return copy;
      });
      const results = [0, 1].map((side) => {
        const cl = clients[side] as (typeof clients)[number];
        const r = applySnapshot(cl.world, cl.registry, prev[side], next[side] as SnapshotState, cl.map);
        return { ...r };
      });
      expect(results[0], `seed ${seed} tick ${tick}: apply counts`).toEqual(results[1]);
      prev = [next[0], next[1]];
      const [ka, ga] = clients as [(typeof clients)[number], (typeof clients)[number]];
      for (let f = 0; f < ka.storage.length; f++) {
        const x = ka.storage[f] as Soa | Float64Array;
        const y = ga.storage[f] as Soa | Float64Array;
        const xs = ArrayBuffer.isView(x) ? [x] : Object.values(x);
        const ys = ArrayBuffer.isView(y) ? [y] : Object.values(y);
        for (let c = 0; c < xs.length; c++)
          expect(Array.from(xs[c] as Float64Array), `seed ${seed} tick ${tick} field ${f}`).toEqual(
            Array.from(ys[c] as Float64Array),
          );
      }
    }
  });
});
