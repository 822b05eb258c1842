/**
 * The SIMD apply kernel's four-ids step (codec/wasm/applyGroupEmit.ts; Session 7) against the JS
 * apply kernel: mostly moving worlds (so runs of four ids take the step) over a registry with every
 * dequantized kind (Float32 and Float64 columns, positions, rotations, a float) and generic fields
 * (a bool, a transform wider than four slots), where single ids of a run are made to break
 * it — a field unchanged (partial changed masks), nothing changed, a generic field changed, the id
 * absent or new, its mask changed, its entity unmapped — at every position of a run and with a high
 * water off a multiple of four. Same floats bit for bit, same ids for the generic path in the same
 * order, same updated count.
 */
import { createRng, type Rng } from "@canopy/core";
import { describe, expect, it } from "vitest";
import { worldKernels } from "../../../src/replication/codec/kernels/worldKernels";
import { wasmApplyKernel } from "../../../src/replication/codec/wasm/wasmApply";
import {
  BoolTemplate,
  EntityMap,
  ReplicationRegistry,
  SnapshotState,
  TransformTemplate,
} from "../../../src/replication/index";
import { allKinds, CAPACITY } from "../kernelFixture";

/** allKinds() (but its int) plus a bool and a transform (generic in the wasm kernel: compared, not dequantized). */
function registryOf(): ReplicationRegistry {
  const registry = new ReplicationRegistry();
  // allKinds() without its int (the JS kernel writes it inline, the wasm kernel hands it to `other`).
  for (const f of allKinds().fields.filter((f) => f.template.kind !== "int"))
    registry.replicate(f.component as object, f.template, { name: f.name });
  registry.replicate(new Uint8Array(CAPACITY), BoolTemplate(), { name: "flag" });
  const keys = ["x", "y", "z", "qx", "qy", "qz", "qw"];
  registry.replicate(
    Object.fromEntries(keys.map((k) => [k, new Float32Array(CAPACITY)])),
    TransformTemplate({ min: -20, max: 20, precision: 0.01, rotationBits: 9 }),
    { name: "transform" },
  );
  return registry;
}

function randomSlots(
  rng: Rng,
  registry: ReplicationRegistry,
  s: SnapshotState,
  id: number,
  only?: number,
): void {
  for (const f of registry.fields) {
    if (only !== undefined && f.index !== only) continue;
    for (let k = 0; k < f.template.width; k++) {
      const max = f.template.slotMax[k] as number;
      s.values[id * registry.stride + f.offset + k] = rng.int(0, max);
    }
  }
}

/** The fields the wasm kernel only compares. */
function genericFields(registry: ReplicationRegistry): ReplicationRegistry["fields"][number][] {
  return registry.fields.filter((f) => f.name === "flag" || f.name === "transform");
}

/** `next` from `prev`: most ids move every field; one id in `breakEvery` does something else. */
function evolve(
  rng: Rng,
  registry: ReplicationRegistry,
  prev: SnapshotState,
  hw: number,
  breakEvery: number,
) {
  const next = new SnapshotState(registry, CAPACITY);
  next.copyFrom(prev);
  const full = registry.fields.reduce((m, f) => m | (1 << f.index), 0);
  const generic = genericFields(registry).map((f) => f.index);
  const dequantized = registry.fields.filter((f) => !generic.includes(f.index)).map((f) => f.index);
  for (let id = 0; id < hw; id++) {
    if (rng.int(0, breakEvery - 1) !== 0) {
      // Every dequantized field moves.
      for (const i of dequantized) randomSlots(rng, registry, next, id, i);
      // (Back to every field when an earlier round removed one: its mask differs from prev's.)
      if (next.present[id] !== 1) next.setPresent(id, full);
      else next.mask[id] = full;
      continue;
    }
    const what = rng.int(0, 5);
    if (what === 0) {
      // Some fields unchanged.
      for (const i of dequantized) if (rng.chance(0.5)) randomSlots(rng, registry, next, id, i);
    } else if (what === 1) {
      // Nothing changed.
    } else if (what === 2) {
      randomSlots(rng, registry, next, id, generic[rng.int(0, generic.length - 1)]);
      for (const i of dequantized) randomSlots(rng, registry, next, id, i);
    } else if (what === 3) {
      if (next.present[id] === 1) next.remove(id);
      else next.setPresent(id, full);
    } else if (what === 4) {
      next.mask[id] = full & ~(1 << (dequantized[rng.int(0, dequantized.length - 1)] as number));
    } else {
      for (const i of dequantized) randomSlots(rng, registry, next, id, i);
    }
  }
  next.highWater = Math.max(prev.highWater, hw);
  return next;
}

/**
 * Rounds of JS and wasm kernel on the same evolving states (user columns scrambled before each
 * call); `breakEvery[round % length]`: one id in that many breaks its run (1e9: every id moves).
 * `hws[round % length]`: the high water per round (default: the capacity when every id moves, else
 * random). Returns, per round, whether the wasm kernel skipped the copy-in on the next call
 * (applyRanges.ts).
 */
function checkRounds(seed: number, breakEvery: readonly number[], hws?: readonly number[]): boolean[] {
  const ranged: boolean[] = [];
  {
    {
      const rng = createRng(seed);
      const registry = registryOf();
      const js = worldKernels(registry)?.apply;
      const wasm = wasmApplyKernel(registry, CAPACITY, { simd: true });
      expect(js).toBeDefined();
      expect(wasm?.simd).toBe(true);
      if (js === undefined || wasm === undefined) return ranged;
      const columns = registry.fields.flatMap(
        (f) => (f.binding.columns ?? []) as (Float32Array | Float64Array)[],
      );
      const map = new EntityMap(CAPACITY);
      for (let id = 0; id < CAPACITY; id++)
        if (seed % 2 === 0 || rng.chance(0.97)) map.bind(id, CAPACITY - 1 - id);
      let prev = new SnapshotState(registry, CAPACITY);
      const full = registry.fields.reduce((m, f) => m | (1 << f.index), 0);
      for (let id = 0; id < CAPACITY - 5; id++) {
        prev.setPresent(id, full);
        randomSlots(rng, registry, prev, id);
      }
      for (let round = 0; round < 12; round++) {
        // Every id below the high water when every id moves (a whole range of entities).
        const hw =
          hws !== undefined
            ? (hws[round % hws.length] as number)
            : breakEvery.includes(1e9)
              ? CAPACITY
              : rng.int(CAPACITY - 20, CAPACITY);
        const next = evolve(rng, registry, prev, hw, breakEvery[round % breakEvery.length] as number);
        for (const c of columns) for (let e = 0; e < c.length; e++) c[e] = rng.range(-9, 9);
        const start = columns.map((c) => c.slice());
        const jsOthers: number[] = [];
        const jsUpdated = js(prev, next, map, hw, (id) => jsOthers.push(id));
        const jsAfter = columns.map((c) => c.slice());
        columns.forEach((c, i) => c.set(start[i] as Float32Array));
        const wasmOthers: number[] = [];
        (wasm as unknown as { compact: boolean }).compact = false;
        const wasmUpdated = wasm.apply(prev, next, map, hw, (id) => wasmOthers.push(id));
        const where = `seed ${seed} round ${round} hw ${hw}`;
        // The wasm kernel also hands over, unwritten, ids whose generic field changed (the JS kernel
        // writes a bool or transform inline; in applySnapshot the per-entity path writes them): those
        // ids' entities get the JS kernel's values, and the JS kernel counted them as updated.
        const extra = wasmOthers.filter((id) => !jsOthers.includes(id));
        expect(
          wasmOthers.filter((id) => jsOthers.includes(id)),
          where,
        ).toEqual(jsOthers);
        for (const id of extra) {
          const changed = genericFields(registry).some((f) =>
            Array.from({ length: f.template.width }, (_, k) => id * registry.stride + f.offset + k).some(
              (at) => next.values[at] !== prev.values[at],
            ),
          );
          expect(changed && next.mask[id] === prev.mask[id], `${where} id ${id}`).toBe(true);
          const eid = map.entityOf(id);
          columns.forEach((c, i) => (c[eid] = (jsAfter[i] as Float32Array)[eid] as number));
        }
        expect(wasmUpdated + extra.length, where).toBe(jsUpdated);
        columns.forEach((c, i) => {
          const want = jsAfter[i] as Float32Array;
          let bad = -1;
          for (let e = 0; e < c.length && bad < 0; e++) if (!Object.is(c[e], want[e])) bad = e;
          expect(bad < 0 ? "" : `column ${i} entity ${bad}: ${c[bad]} vs ${want[bad]}`, where).toBe("");
        });
        expect(jsUpdated, `${where}: ids were written`).toBeGreaterThan(20);
        ranged.push((wasm as unknown as { ranged: boolean }).ranged);
        prev = next;
      }
    }
  }
  return ranged;
}

describe("wasm apply: four ids a step", () => {
  it.each([1, 2, 3, 4, 5, 6])(
    "matches the JS kernel when runs of four break at any position (seed %i)",
    (seed) => {
      checkRounds(seed, [3, 9, 40]);
    },
  );

  it.each([2, 4])(
    "skips the copy-in after a call that wrote whole ranges, and matches the JS kernel after a call that did not (seed %i)",
    (seed) => {
      // Every id moves in two rounds of three, the third breaks runs (the call after it copies in
      // again); the user's columns change before every call.
      const ranged = checkRounds(seed, [1e9, 1e9, 5]);
      expect(ranged.filter((r) => r).length, "calls after which the copy-in was skipped").toBeGreaterThan(4);
      expect(
        ranged.some((r) => !r),
        "and calls after which it was not",
      ).toBe(true);
    },
  );

  it("copies a whole range that changes every call element by element, and one that repeats through views", () => {
    // Every id below the high water moves; the high water (so the written range) changes every
    // round, then repeats: both copy-out paths of applyRanges.ts, each checked against the JS kernel.
    const hws = [
      CAPACITY,
      CAPACITY - 3,
      CAPACITY - 1,
      CAPACITY - 6,
      CAPACITY - 6,
      CAPACITY - 6,
      CAPACITY - 2,
    ];
    const ranged = checkRounds(8, [1e9], hws);
    expect(ranged.filter((r) => r).length, "calls that wrote a whole range").toBeGreaterThan(4);
  });
});
