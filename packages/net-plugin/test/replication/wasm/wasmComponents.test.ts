/**
 * Components in wasm memory (codec/wasm/componentMemory.ts): the API's shapes and misuse errors;
 * the fixed memory (never grows: views never detach, a full pool gives plain states); and capture
 * and apply reading and writing the columns in place against the same components as plain typed
 * arrays (wasm kernels with copies) and the JS kernels — the same states every tick and the same
 * client component values bit for bit, with ids past the column length, NaN and ±∞, resting and
 * moving worlds (the wasm apply's probe, range and compact choices), and a mixed registry.
 */
import { createRng } from "@canopy/core";
import { addComponent, addEntity, createWorld } from "bitecs";
import { afterEach, describe, expect, it, vi } from "vitest";
import { layoutOf } from "../../../src/replication/codec/kernels/worldLayout";
import { capturePlan } from "../../../src/replication/codec/wasm/capturePlan";
import { componentMemoryOf, wasmComponents } from "../../../src/replication/codec/wasm/componentMemory";
import { wasmApplyFor } from "../../../src/replication/codec/wasm/wasmApply";
import { wasmKernels } from "../../../src/replication/codec/wasm/wasmKernels";
import {
  applySnapshot,
  captureWorld,
  FloatTemplate,
  NetworkIdAllocator,
  ReplicationRegistry,
  SnapshotState,
  Vec2Template,
} from "../../../src/replication/index";
import { expectSameState } from "./captureTwins";
import { CAP, COLUMN, dump, evolve, makeSide, type Side } from "./wasmComponentsRig";

afterEach(() => {
  wasmKernels.enabled = false;
  vi.restoreAllMocks();
});

/** Captures and applies `ticks` ticks on all sides; `moving(tick)`: the fraction of entities moved. */
function run(seed: number, sides: Side[], ticks: number, moving: (tick: number) => number): void {
  const rngs = sides.map(() => createRng(seed));
  for (let tick = 0; tick < ticks; tick++) {
    const m = moving(tick);
    sides.forEach((s, i) => {
      wasmKernels.enabled = s.wasm;
      try {
        const list = evolve(rngs[i] as ReturnType<typeof createRng>, s, tick, m);
        captureWorld(s.world, s.registry, list, s.allocator.map, s.current, tick);
        const next = s.states[tick & 1] as SnapshotState;
        const prev = tick === 0 ? undefined : s.states[(tick + 1) & 1];
        next.copyFrom(s.current);
        applySnapshot(s.clientWorld, s.clientRegistry, prev, next, s.map);
      } finally {
        wasmKernels.enabled = false;
      }
    });
    const [a, ...rest] = sides as [Side, ...Side[]];
    const where = `seed ${seed} tick ${tick}`;
    for (const b of rest) {
      expectSameState(a.current, b.current, `${where} ${a.kind}/${b.kind} capture`);
      expect(dump(b.client, b.clientVelocity), `${where} ${b.kind} client columns`).toEqual(
        dump(a.client, a.clientVelocity),
      );
    }
  }
}

describe("wasmComponents", () => {
  it("makes SoA and scalar components as views on one fixed memory", () => {
    const c = wasmComponents(
      { entities: 10 },
      { P: { x: Float32Array, y: Float64Array }, Hp: Int16Array, Flag: Uint8ClampedArray },
    );
    expect(c.P.x).toBeInstanceOf(Float32Array);
    expect(c.P.y).toBeInstanceOf(Float64Array);
    expect(c.Hp).toBeInstanceOf(Int16Array);
    expect(c.Flag).toBeInstanceOf(Uint8ClampedArray);
    for (const a of [c.P.x, c.P.y, c.Hp, c.Flag]) {
      expect(a.length).toBe(10);
      expect(a.byteOffset % 16).toBe(0);
      expect(a.buffer).toBe(c.P.x.buffer);
    }
    const m = componentMemoryOf(c.Hp);
    expect(m?.capacity).toBe(1024);
    expect(componentMemoryOf(new Float32Array(4))).toBeUndefined();
    // Columns do not overlap (each has a reserved past slot after it).
    c.P.x.fill(1);
    c.P.y.fill(2);
    c.Hp.fill(3);
    expect([...c.P.x, ...c.P.y, ...c.Hp].every((v, i) => v === (i < 10 ? 1 : i < 20 ? 2 : 3))).toBe(true);
    // The memory cannot grow: nobody can detach the game's views.
    expect(() => m?.memory.grow(1)).toThrow(RangeError);
    expect(c.P.x.length).toBe(10);
  });

  it("names the fix on misuse", () => {
    expect(() => wasmComponents({ entities: 0 }, { P: Float32Array })).toThrow(/entities 0/);
    expect(() => wasmComponents({ entities: 4, capacity: 1.5 }, { P: Float32Array })).toThrow(/capacity/);
    expect(() => wasmComponents({ entities: 4, stateBytes: 10 }, { P: Float32Array })).toThrow(/stateBytes/);
    expect(() => wasmComponents({ entities: 4 }, { P: Array as never })).toThrow(/typed-array constructor/);
    expect(() => wasmComponents({ entities: 4 }, { P: {} })).toThrow(/component "P"/);
    // A state region too small for the registry's scratch and one block: the pool says which option.
    const c = wasmComponents({ entities: 4, capacity: 4096, stateBytes: 65536 }, { P: { x: Float32Array } });
    const r = new ReplicationRegistry();
    r.replicate(c.P.x, FloatTemplate({ min: 0, max: 1, precision: 0.1 }));
    wasmKernels.enabled = true;
    expect(() => new SnapshotState(r, 4096)).toThrow(/raise wasmComponents' stateBytes/);
  });

  it("puts the registry's pool in the components' memory; a full pool gives plain states, never growth", () => {
    const s = makeSide("memory");
    const memory = componentMemoryOf(s.server.Position.x)?.memory;
    expect(s.current.pool?.memory).toBe(memory);
    expect(componentMemoryOf(s.client.Hp)?.memory).toBe(s.states[0]?.pool?.memory);
    // Another capacity of the same registry: an ordinary pool (columns copied there).
    wasmKernels.enabled = true;
    const other = new SnapshotState(s.registry, CAP + 4);
    expect(other.pool).toBeDefined();
    expect(other.pool?.memory).not.toBe(memory);
    // Fill the fixed region: later states are plain, the memory and the views are unchanged.
    const buffer = memory?.buffer;
    const extra: SnapshotState[] = [];
    for (let i = 0; i < 10_000 && (extra.at(-1)?.pool ?? s.current.pool) !== undefined; i++) {
      extra.push(new SnapshotState(s.registry, CAP));
    }
    expect(extra.at(-1)?.pool).toBeUndefined();
    expect(memory?.buffer).toBe(buffer);
    expect(s.server.Position.x.length).toBe(COLUMN);
    s.server.Position.x[3] = 7;
    expect(s.server.Position.x[3]).toBe(7);
    for (const e of extra) e.dispose();
  });

  it("reads and writes the columns in place (plans and kernels)", () => {
    const s = makeSide("memory");
    const pool = s.current.pool;
    expect(pool).toBeDefined();
    if (pool === undefined) return;
    const plan = capturePlan(s.registry, 512, 0, pool.memory);
    const cols = plan?.fields.flatMap((f) => f.columns) ?? [];
    // position, rotation, speed: in place; velocity: plain (hp is an int: no column here)
    expect(cols.map((c) => c.inPlace)).toEqual([
      true,
      true,
      true,
      true,
      true,
      true,
      true,
      true,
      false,
      false,
    ]);
    expect(cols[0]?.address).toBe(s.server.Position.x.byteOffset);
    run(1, [s], 3, () => 1);
    expect(layoutOf(s.registry).wasmCapture?.ranInPlace(s.current)).toBe(true);
    const clientPool = s.states[0]?.pool;
    const apply = clientPool === undefined ? undefined : wasmApplyFor(s.clientRegistry, clientPool);
    expect(apply?.calls).toBeGreaterThan(0);
    expect(apply?.allInPlace).toBe(false); // the plain velocity is copied
  });

  it.each([1, 2, 3, 4])(
    "same states and client components as plain columns and the JS kernels (seed %i)",
    (seed) => {
      const sides = [makeSide("js"), makeSide("plain"), makeSide("memory")];
      // Moving, then resting, then a few moving (the apply's range, probe and compact choices).
      run(seed, sides, 36, (t) => (t < 12 ? 1 : t < 20 ? 0 : t < 28 ? 0.05 : 0.6));
    },
  );

  it.each([5, 6])("a mixed registry (rotation plain) matches too (seed %i)", (seed) => {
    run(seed, [makeSide("js"), makeSide("memory", "mixed")], 30, (t) => (t < 10 ? 1 : t < 20 ? 0.05 : 0));
  });

  it("a column read by a Float field and a vector field keeps both past-the-end values", () => {
    const ids = [1, 5, 20, 31]; // 20 and 31 at or past the column length 16
    const make = (memory: boolean) => {
      const c = memory
        ? wasmComponents({ entities: 16, capacity: 32 }, { V: { x: Float32Array, y: Float32Array } }).V
        : { x: new Float32Array(16), y: new Float32Array(16) };
      const r = new ReplicationRegistry();
      r.replicate(c.x, FloatTemplate({ min: -5, max: 5, precision: 0.5 }), { name: "speed" });
      r.replicate(c, Vec2Template({ min: -10, max: 10, precision: 0.25 }), { name: "position" });
      wasmKernels.enabled = memory;
      const world = createWorld();
      const allocator = new NetworkIdAllocator(32);
      const state = new SnapshotState(r, 32);
      for (let e = 0; e <= 31; e++) addEntity(world);
      for (const eid of ids) {
        for (const f of r.fields) addComponent(world, eid, f.component);
        allocator.allocate(eid, 0);
        c.x[eid] = eid / 8;
        c.y[eid] = -eid / 4;
      }
      captureWorld(world, r, ids, allocator.map, state, 1);
      wasmKernels.enabled = false;
      return { r, state };
    };
    const js = make(false);
    const mem = make(true);
    const plan = capturePlan(mem.r, 512, 0, mem.state.pool?.memory);
    // The Float's column in place (past 0); the vector's x is the same array: copied (past NaN).
    expect(plan?.fields.flatMap((f) => f.columns).map((c) => c.inPlace)).toEqual([true, false, true]);
    expect(layoutOf(mem.r).wasmCapture?.ranInPlace(mem.state)).toBe(true);
    expectSameState(js.state, mem.state, "shared column");
  });

  it.each([7, 8])(
    "every column in place (no copies, one kernel call per apply) matches too (seed %i)",
    (seed) => {
      const s = makeSide("memory", "all");
      run(seed, [makeSide("js"), s], 30, (t) => (t < 10 ? 1 : t < 20 ? 0.05 : 0));
      const pool = s.states[0]?.pool;
      const kernel = pool === undefined ? undefined : wasmApplyFor(s.clientRegistry, pool);
      expect(kernel?.allInPlace).toBe(true);
      expect(kernel?.calls).toBe(30);
    },
  );
});
