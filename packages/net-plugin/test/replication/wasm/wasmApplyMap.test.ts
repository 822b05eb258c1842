/**
 * The wasm apply kernel keeps its entity table (network id → entity) in wasm memory between calls
 * and refreshes it only when the EntityMap's `revision` changed (wasmApply.ts writeEids): ids
 * rebound, unbound and bound between applies — through maps smaller than, equal to and larger
 * than the kernel's capacity (block copy and loop) — must give the JS kernel's world each call.
 */
import { createRng, type Rng } from "@canopy/core";
import { describe, expect, it, vi } from "vitest";
import { worldKernels } from "../../../src/replication/codec/kernels/worldKernels";
import { wasmApplyKernel } from "../../../src/replication/codec/wasm/wasmApply";
import {
  EntityMap,
  NONE,
  QuatTemplate,
  ReplicationRegistry,
  SnapshotState,
  Vec3Template,
} from "../../../src/replication/index";

const CAPACITY = 48;
/** Entity ids in use (columns are this long). */
const EIDS = 64;

function registryOf(): { registry: ReplicationRegistry; columns: Float32Array[] } {
  const registry = new ReplicationRegistry();
  const pos = { x: new Float32Array(EIDS), y: new Float32Array(EIDS), z: new Float32Array(EIDS) };
  const rot = {
    x: new Float32Array(EIDS),
    y: new Float32Array(EIDS),
    z: new Float32Array(EIDS),
    w: new Float32Array(EIDS),
  };
  registry.replicate(pos, Vec3Template({ min: -10, max: 10, precision: 1 / 64 }), { name: "p" });
  registry.replicate(rot, QuatTemplate({ bits: 9 }), { name: "q" });
  registry.close();
  return { registry, columns: [...Object.values(pos), ...Object.values(rot)] };
}

/** Every id present with both fields, every slot random in range (all entities move). */
function movingState(rng: Rng, registry: ReplicationRegistry): SnapshotState {
  const s = new SnapshotState(registry, CAPACITY);
  for (let id = 0; id < CAPACITY; id++) {
    s.setPresent(id, 0b11);
    for (const f of registry.fields)
      for (let k = 0; k < f.template.width; k++)
        s.values[id * registry.stride + f.offset + k] = rng.int(0, f.template.slotMax[k] as number);
  }
  return s;
}

/** Rebinds a few ids: to a free entity, swapped with another id's, unbound, or bound again. */
function churn(rng: Rng, map: EntityMap, mapCapacity: number): void {
  for (let n = rng.int(0, 4); n > 0; n--) {
    const id = rng.int(0, Math.min(mapCapacity, CAPACITY) - 1);
    const roll = rng.int(0, 3);
    if (roll === 0) map.unbindNet(id);
    else if (roll === 1) {
      const other = rng.int(0, Math.min(mapCapacity, CAPACITY) - 1);
      const a = map.entityOf(id);
      const b = map.entityOf(other);
      if (a !== NONE && b !== NONE && a !== b) {
        map.bind(id, b);
        map.bind(other, a);
      }
    } else map.bind(id, rng.int(0, EIDS - 1));
  }
}

describe("wasm apply: the entity table kept between calls", () => {
  it.each([CAPACITY, CAPACITY - 16, CAPACITY * 200])(
    "matches the JS kernel while ids are rebound between applies (map capacity %i)",
    (mapCapacity) => {
      const rng = createRng(mapCapacity);
      const { registry, columns } = registryOf();
      const js = worldKernels(registry)?.apply;
      const wasm = wasmApplyKernel(registry, CAPACITY);
      if (js === undefined || wasm === undefined) throw new Error("kernels expected");
      const map = new EntityMap(mapCapacity);
      for (let id = 0; id < Math.min(mapCapacity, CAPACITY); id++) map.bind(id, id + 3);
      let prev = movingState(rng, registry);
      let rebinds = 0;
      for (let round = 0; round < 40; round++) {
        const next = movingState(rng, registry);
        const before = map.revision;
        if (round > 0) churn(rng, map, mapCapacity);
        if (map.revision !== before) rebinds++;
        for (const c of columns) for (let e = 0; e < EIDS; e++) c[e] = rng.range(-9, 9);
        const start = columns.map((c) => c.slice());
        const jsOthers: number[] = [];
        const jsUpdated = js(prev, next, map, CAPACITY, (id) => jsOthers.push(id));
        const want = columns.map((c) => c.slice());
        columns.forEach((c, i) => c.set(start[i] as Float32Array));
        const others: number[] = [];
        const updated = wasm.apply(prev, next, map, CAPACITY, (id) => others.push(id));
        const where = `map capacity ${mapCapacity} round ${round}`;
        expect(others, where).toEqual(jsOthers);
        expect(updated, where).toBe(jsUpdated);
        columns.forEach((c, i) => {
          const w = want[i] as Float32Array;
          let bad = -1;
          for (let e = 0; e < EIDS && bad < 0; e++) if (!Object.is(c[e], w[e])) bad = e;
          expect(bad < 0 ? "" : `column ${i} entity ${bad}: ${c[bad]} vs ${w[bad]}`, where).toBe("");
        });
        prev = next;
      }
      expect(rebinds, "the test rebinds ids").toBeGreaterThan(20);
    },
  );

  it("compiles the kernel once for registries of the same shape and columns", () => {
    const real = WebAssembly.Module;
    let compiles = 0;
    const spy = vi.spyOn(WebAssembly, "Module").mockImplementation(function (bytes: BufferSource) {
      compiles++;
      return new real(bytes);
    });
    try {
      expect(wasmApplyKernel(registryOf().registry, CAPACITY)).toBeDefined();
      expect(wasmApplyKernel(registryOf().registry, CAPACITY)).toBeDefined();
      expect(compiles).toBe(1);
    } finally {
      spy.mockRestore();
    }
  });

  it("EntityMap: revision moves on every binding change, entityHighWater bounds every entity, copyEntities copies the table", () => {
    const map = new EntityMap(6);
    expect([map.revision, map.entityHighWater]).toEqual([0, 0]);
    map.bind(2, 40);
    map.bind(3, 7);
    expect(map.entityHighWater).toBe(41);
    const r = map.revision;
    expect(map.unbindNet(5)).toBe(NONE);
    expect(map.unbindEntity(99)).toBe(NONE);
    expect(map.revision).toBe(r); // nothing changed
    map.unbindEntity(40);
    expect(map.revision).toBeGreaterThan(r);
    expect(map.entityHighWater).toBe(41); // never lowered
    const table = new Int32Array(8).fill(123);
    map.copyEntities(table);
    expect(Array.from(table)).toEqual([NONE, NONE, NONE, 7, NONE, NONE, 123, 123]);
    expect(() => map.copyEntities(new Int32Array(5))).toThrow(/capacity 6/);
  });
});
