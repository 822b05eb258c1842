/**
 * The client path decode → applySnapshot with `wasmKernels.enabled` on (states pool-backed in the
 * registry's wasm memory; the wasm apply kernel reads them in place) against the same path with
 * it off (plain states, the JS apply kernel): over random registries and evolving server states,
 * with lost snapshots and the pool growing mid-run, both sides send the same bytes, decode the same
 * states and end with the same worlds — component floats bit for bit (Object.is), the same
 * membership, entity map, spawn/despawn/update counts and hook calls.
 */
import { createRng, type Rng } from "@canopy/core";
import { addEntity, createWorld, hasComponent } from "bitecs";
import { afterEach, describe, expect, it, vi } from "vitest";
import { codecKernels } from "../../../src/replication/codec/kernels/compileKernel";
import { wasmApplyFor } from "../../../src/replication/codec/wasm/wasmApply";
import { wasmKernels } from "../../../src/replication/codec/wasm/wasmKernels";
import {
  applySnapshot,
  BaselineRing,
  DecodeStatus,
  EntityMap,
  FloatTemplate,
  ReplicationRegistry,
  SnapshotState,
  Vec3Template,
} from "../../../src/replication/index";
import { build, step } from "../codecRig";
import { CAPACITY, randomRegistry } from "../kernelFixture";

const TICKS = 70;

/** One client pipeline (server encoder and rings, client decoder, applied state, world). */
function side(seed: number, kinds: number, wasm: boolean) {
  wasmKernels.enabled = wasm;
  try {
    const { registry, describe: fields } = randomRegistry(createRng(seed * 7919), kinds);
    const log: string[] = [];
    return {
      wasm,
      registry,
      fields,
      rng: createRng(seed), // evolves `current` (same seed on both sides: the same states)
      current: Object.assign(new SnapshotState(registry, CAPACITY), { versioned: true }),
      applied: new SnapshotState(registry, CAPACITY),
      hasApplied: false,
      ...build(registry, true),
      world: createWorld(),
      map: new EntityMap(CAPACITY),
      log,
      hooks: {
        onSpawn: (eid: number, id: number) => log.push(`+${eid}:${id}`),
        onDespawn: (eid: number, id: number) => log.push(`-${eid}:${id}`),
      },
      result: { spawned: 0, despawned: 0, updated: 0 },
    };
  } finally {
    wasmKernels.enabled = false;
  }
}
type Side = ReturnType<typeof side>;

function columnsOf(registry: ReplicationRegistry): (Float32Array | Float64Array)[] {
  return registry.fields.flatMap((f) => (f.binding.columns ?? []) as (Float32Array | Float64Array)[]);
}

/** Differences between the two worlds (columns bit for bit, membership, map), empty when equal. */
function worldDiff(a: Side, b: Side): string[] {
  const out: string[] = [];
  const ca = columnsOf(a.registry);
  const cb = columnsOf(b.registry);
  ca.forEach((col, c) => {
    const other = cb[c] as Float32Array | Float64Array;
    for (let e = 0; e < col.length && out.length < 5; e++) {
      if (!Object.is(col[e], other[e])) out.push(`column ${c} entity ${e}: ${col[e]} vs ${other[e]}`);
    }
  });
  for (let id = 0; id < CAPACITY; id++) {
    const eid = a.map.entityOf(id);
    if (eid !== b.map.entityOf(id)) out.push(`net id ${id}: entity ${eid} vs ${b.map.entityOf(id)}`);
    if (eid < 0) continue;
    a.registry.fields.forEach((f, i) => {
      const fb = b.registry.fields[i];
      if (fb === undefined) return;
      const has = hasComponent(a.world, eid, f.component);
      if (has !== hasComponent(b.world, eid, fb.component)) out.push(`entity ${eid} field ${i}: ${has}`);
    });
  }
  return out;
}

/** Builds states of the registry until its pool grows; returns them (kept alive by the caller). */
function growPool(s: Side): SnapshotState[] {
  const pool = s.applied.pool;
  if (pool === undefined) throw new Error("pool-backed state expected");
  const generation = pool.generation;
  const extra: SnapshotState[] = [];
  wasmKernels.enabled = true;
  try {
    while (pool.generation === generation) extra.push(new SnapshotState(s.registry, CAPACITY));
  } finally {
    wasmKernels.enabled = false;
  }
  return extra;
}

function run(seed: number, kinds: number): { kernel: boolean; wasmCalls: number; applied: number } {
  const on = side(seed, kinds, true);
  const off = side(seed, kinds, false);
  const where = (tick: number): string => `seed ${seed} tick ${tick} fields ${on.fields.join(" ")}`;
  expect(on.applied.pool, "switch on: pool-backed").toBeDefined();
  expect(on.clientRing.scratch.pool).toBe(on.applied.pool);
  expect(off.applied.pool, "switch off: plain arrays").toBeUndefined();
  const kernel = wasmApplyFor(on.registry, on.applied.pool as NonNullable<SnapshotState["pool"]>);
  const spy = kernel === undefined ? undefined : vi.spyOn(kernel, "run");
  const plan = createRng(seed ^ 0x5eed); // ack and loss decisions, shared by both sides
  let extra: SnapshotState[] = [];
  let applied = 0;
  const received = new Set<number>();
  for (let tick = 0; tick < TICKS; tick++) {
    if (tick === 25) extra = growPool(on);
    if (tick === 45) {
      for (const s of extra.splice(0, extra.length >> 1)) s.dispose();
      extra.push(...growPool(on)); // grows again or reuses the freed blocks
    }
    // The client acks what it decoded (a random delay back): never a lost snapshot.
    let ack = tick - plan.int(1, 4);
    while (ack >= 0 && !received.has(ack)) ack--;
    const acked = ack >= 0 && plan.chance(0.8);
    const lost = plan.chance(0.2);
    const predict = plan.chance(0.7);
    const bytes: Uint8Array[] = [];
    const statuses: DecodeStatus[] = [];
    for (const s of [on, off]) {
      wasmKernels.enabled = s.wasm;
      try {
        step(s.rng, s.registry, s.current);
        s.current.tick = tick;
        if (acked) s.serverRing.markAcked(ack);
        const baseline = s.serverRing.newestAckedState();
        s.writer.reset();
        s.encoder.encode(s.writer, {
          sequence: tick,
          tick,
          current: s.current,
          baseline,
          reference: baseline && predict ? s.serverRing.referenceFor(baseline, tick) : undefined,
          out: s.serverRing.acquire(tick),
        });
        const b = s.writer.finish().slice();
        bytes.push(b);
        if (lost) continue;
        const status = s.decoder.decode(b, s.clientRing);
        statuses.push(status);
        if (status !== DecodeStatus.Ok) continue;
        const next = s.decoder.lastDecoded as SnapshotState;
        if (s.wasm) expect(next.pool, where(tick)).toBe(s.applied.pool);
        applySnapshot(
          s.world,
          s.registry,
          s.hasApplied ? s.applied : undefined,
          next,
          s.map,
          s.hooks,
          s.result,
        );
        s.applied.copyFrom(next);
        s.hasApplied = true;
      } finally {
        wasmKernels.enabled = false;
      }
    }
    expect(Array.from(bytes[0] as Uint8Array), where(tick)).toEqual(Array.from(bytes[1] as Uint8Array));
    expect(statuses[0], where(tick)).toBe(statuses[1]);
    if (!lost && statuses[0] === DecodeStatus.Ok) {
      applied++;
      received.add(tick);
    }
    expect({ ...on.result }, where(tick)).toEqual({ ...off.result });
    expect(on.log, where(tick)).toEqual(off.log);
    expect(worldDiff(on, off), where(tick)).toEqual([]);
    expect(on.applied.equals(off.applied), where(tick)).toBe(true);
  }
  expect(on.log.length, `seed ${seed}: spawns happened`).toBeGreaterThan(0);
  for (const s of extra) s.dispose();
  const wasmCalls = spy?.mock.calls.length ?? 0;
  expect(wasmCalls, `seed ${seed}: the wasm kernel ran every apply it could`).toBe(kernel ? applied : 0);
  return { kernel: kernel !== undefined, wasmCalls, applied };
}

describe("applySnapshot with pool-backed states and the wasm apply kernel", () => {
  afterEach(() => {
    wasmKernels.enabled = false;
    codecKernels.enabled = true;
    vi.restoreAllMocks();
  });

  it.each([1, 2, 3, 4, 5, 6])("same worlds as the JS path, kernel-supported registry (seed %i)", (seed) => {
    const { kernel, applied } = run(seed, 4);
    expect(kernel).toBe(true);
    expect(applied).toBeGreaterThan(20);
  });

  const mixed: boolean[] = [];
  // 18 and 52: a string enum only, two transforms (no field the kernel dequantizes).
  it.each([11, 12, 13, 14, 15, 16, 18, 52])(
    "same worlds with any field kind (wasm kernel where the registry allows) (seed %i)",
    (seed) => {
      mixed.push(run(seed, 8).kernel);
    },
  );

  it("the any-kind seeds include registries the wasm kernel runs with generic fields, and ones it leaves", () => {
    expect(mixed.filter((k) => k).length).toBeGreaterThan(0);
    expect(mixed.filter((k) => !k).length).toBeGreaterThan(0);
  });

  it("reads states in place: no copy blocks are taken from the pool", () => {
    const on = side(21, 4, true);
    const pool = on.applied.pool;
    if (pool === undefined) throw new Error("pool-backed state expected");
    const kernel = wasmApplyFor(on.registry, pool);
    expect(kernel?.pool).toBe(pool);
    const rng: Rng = createRng(21);
    wasmKernels.enabled = true;
    const next = new SnapshotState(on.registry, CAPACITY);
    for (let i = 0; i < 3; i++) step(rng, on.registry, next);
    const allocated = pool.allocated;
    applySnapshot(on.world, on.registry, undefined, next, on.map);
    on.applied.copyFrom(next);
    step(rng, on.registry, next);
    const r = applySnapshot(on.world, on.registry, on.applied, next, on.map);
    expect(r.updated).toBeGreaterThan(0);
    expect(pool.allocated).toBe(allocated);
    // A plain prev is not read in place: the JS kernel applies instead (the switch needs both pooled).
    wasmKernels.enabled = false;
    const plain = new SnapshotState(on.registry, CAPACITY);
    plain.copyFrom(on.applied);
    wasmKernels.enabled = true;
    const spy = vi.spyOn(kernel as NonNullable<typeof kernel>, "run");
    applySnapshot(on.world, on.registry, on.applied, next, on.map);
    expect(spy).toHaveBeenCalledTimes(1);
    spy.mockClear();
    applySnapshot(on.world, on.registry, plain, next, on.map);
    expect(spy).not.toHaveBeenCalled();
    applySnapshot(on.world, on.registry, next, next, on.map);
    expect(spy).toHaveBeenCalledTimes(1);
    wasmKernels.enabled = false;
    applySnapshot(on.world, on.registry, next, next, on.map);
    expect(spy, "switch off at apply time: the JS kernel").toHaveBeenCalledTimes(1);
  });

  it("counts the updates the per-entity path makes during a kernel call, as the generic path does", () => {
    const counts: number[] = [];
    for (const mode of ["generic", "js", "wasm"] as const) {
      codecKernels.enabled = mode !== "generic";
      wasmKernels.enabled = mode === "wasm";
      const registry = new ReplicationRegistry();
      const pos = { x: new Float32Array(8), y: new Float32Array(8), z: new Float32Array(8) };
      const heat = new Float32Array(8);
      registry.replicate(pos, Vec3Template({ min: 0, max: 1, precision: 0.01 }));
      registry.replicate(heat, FloatTemplate({ min: 0, max: 1, precision: 0.01 }));
      const [prev, next] = [new SnapshotState(registry, 8), new SnapshotState(registry, 8)];
      for (let id = 0; id < 3; id++) prev.setPresent(id, 0b01);
      next.copyFrom(prev);
      next.setPresent(1, 0b11); // gains a field: the per-entity path writes it
      next.values[2 * registry.stride] = 3; // moves: the kernel writes it
      const world = createWorld();
      const map = new EntityMap(8);
      applySnapshot(world, registry, undefined, prev, map);
      counts.push(applySnapshot(world, registry, prev, next, map).updated);
      expect(mode !== "wasm" || next.pool !== undefined).toBe(true);
    }
    expect(counts).toEqual([2, 2, 2]);
  });

  it("a hook that re-enters applySnapshot and grows the pool mid-apply: same world as the JS path", () => {
    const on = side(41, 4, true);
    const off = side(41, 4, false);
    let extra: SnapshotState[] = [];
    for (const s of [on, off]) {
      wasmKernels.enabled = s.wasm;
      const rng = createRng(41);
      const prev = new SnapshotState(s.registry, CAPACITY);
      for (let i = 0; i < 4; i++) step(rng, s.registry, prev);
      applySnapshot(s.world, s.registry, undefined, prev, s.map, s.hooks, s.result);
      const next = new SnapshotState(s.registry, CAPACITY);
      next.copyFrom(prev);
      for (let i = 0; i < 3; i++) step(rng, s.registry, next);
      // The nested world shares the registry's columns: its entities are placed past them (writes
      // there are no-ops), so only the outer world's values are compared.
      const nested = { world: createWorld(), map: new EntityMap(CAPACITY), spawned: 0 };
      for (let i = 0; i < 2 * CAPACITY; i++) addEntity(nested.world);
      let first = true;
      const hooks = {
        onSpawn: (eid: number, id: number) => {
          s.log.push(`+${eid}:${id}`);
          if (!first) return;
          first = false;
          if (s.wasm) extra = growPool(s); // detaches every view the outer apply holds
          wasmKernels.enabled = s.wasm;
          nested.spawned = applySnapshot(
            nested.world,
            s.registry,
            undefined,
            next,
            nested.map,
            {},
            {
              spawned: 0,
              despawned: 0,
              updated: 0,
            },
          ).spawned;
        },
        onDespawn: s.hooks.onDespawn,
      };
      applySnapshot(s.world, s.registry, prev, next, s.map, hooks, s.result);
      expect(first, "a spawn happened").toBe(false);
      expect(nested.spawned).toBe(next.count());
    }
    wasmKernels.enabled = false;
    expect(extra.length).toBeGreaterThan(0);
    expect({ ...on.result }).toEqual({ ...off.result });
    expect(on.log).toEqual(off.log);
    expect(worldDiff(on, off)).toEqual([]);
    for (const s of extra) s.dispose();
  });

  it("a disposed ring gives its blocks back to the pool", () => {
    const on = side(31, 4, true);
    const pool = on.applied.pool;
    if (pool === undefined) throw new Error("pool-backed state expected");
    const before = pool.allocated;
    wasmKernels.enabled = true;
    const ring = new BaselineRing(on.registry, CAPACITY, 8);
    wasmKernels.enabled = false;
    expect(pool.allocated).toBe(before + 9);
    ring.dispose();
    expect(pool.allocated).toBe(before);
  });
});
