/**
 * Property test of rotation dequantization across every apply path: dequantizeQuat's float32
 * values (Object.is, so -0 and NaN count) from the generic binding, the generated JS kernel and the
 * wasm kernel (SIMD, scalar, and through applySnapshot on columns in the codec's wasm memory), for
 * Quat and Transform fields over Float32 and Float64 columns (at odd widths shorter than the entity
 * ids) at every width 2..16, with entities consecutive, reversed and shuffled and queued counts not a
 * multiple of four — on slot tuples a forged packet can carry (every slot in 0..maxValue, any
 * largest index): random ones, the extremes (n > 1, far off the unit sphere) and the tuples next
 * to the sphere (the third slot giving the float32 n closest to 1, or to 1 + 2^-20, and its
 * neighbours: n just under and just over 1).
 */
import { createRng, type Rng } from "@canopy/core";
import { createWorld } from "bitecs";
import { describe, expect, it } from "vitest";
import { dequantizeQuat, quatDequantizeScale } from "../../../src/protocol/quantize";
import { worldKernels } from "../../../src/replication/codec/kernels/worldKernels";
import { wasmApplyKernel } from "../../../src/replication/codec/wasm/wasmApply";
import { wasmKernels } from "../../../src/replication/codec/wasm/wasmKernels";
import { applySnapshot } from "../../../src/replication/worldApply";
import { EntityMap, SnapshotState } from "../../../src/replication/index";
import { rotationField } from "./quatRig";

const CAPACITY = 160;
const SEED = 0xa991;
const FILL = 7;
/** Column length at odd widths: entities from 137 on lie past the columns' end (no column to write). */
const SHORT_COLUMNS = 137;

/** n = (s0² + s1²) + s2² of dequantizeQuat for slots a, b, c at `bits`. */
function norm32(bits: number, a: number, b: number, c: number): number {
  const scale = quatDequantizeScale(bits);
  const mid = ((1 << bits) - 1) / 2;
  const s = [a, b, c].map((v) => Math.fround((v - mid) * scale)) as [number, number, number];
  const sq = s.map((v) => Math.fround(v * v)) as [number, number, number];
  return Math.fround(Math.fround(sq[0] + sq[1]) + sq[2]);
}

/** One slot tuple [largest, a, b, c] at `bits`: random, extreme, or next to the unit sphere. */
function tuple(rng: Rng, bits: number): number[] {
  const max = (1 << bits) - 1;
  const largest = rng.int(0, 3);
  const kind = rng.int(0, 3);
  if (kind === 0) return [largest, rng.int(0, max), rng.int(0, max), rng.int(0, max)];
  if (kind === 1) {
    const edge = (): number => [0, max, max >> 1, (max >> 1) + 1][rng.int(0, 3)] as number;
    return [largest, edge(), edge(), edge()];
  }
  // The third slot closest to n = 1 from below or above (n exactly 1 when one exists).
  const a = rng.int(0, max);
  const b = rng.int(0, max);
  const scale = quatDequantizeScale(bits);
  const rest = 1 - norm32(bits, a, b, (1 << bits) / 2 - 0.5);
  const guess = Math.round(max / 2 + ((rng.chance(0.5) ? 1 : -1) * Math.sqrt(Math.max(0, rest))) / scale);
  let best = 0;
  let gap = Infinity;
  const want = kind === 2 ? 1 : 1 + 2 ** -20;
  for (let c = Math.max(0, guess - 3); c <= Math.min(max, guess + 3); c++) {
    const d = Math.abs(norm32(bits, a, b, c) - want);
    if (d < gap) [best, gap] = [c, d];
  }
  const c = Math.min(max, Math.max(0, best + rng.int(-1, 1)));
  return rng.chance(0.5) ? [largest, a, b, c] : [largest, c, a, b];
}

/** id → entity maps: the same id (consecutive runs), reversed, shuffled. */
function maps(rng: Rng): EntityMap[] {
  const ids = Array.from({ length: CAPACITY }, (_, i) => i);
  const shuffled = [...ids];
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [shuffled[i], shuffled[j]] = [shuffled[j] as number, shuffled[i] as number];
  }
  return [ids, [...ids].reverse(), shuffled].map((eids) => {
    const map = new EntityMap(CAPACITY);
    eids.forEach((eid, id) => map.bind(id, eid));
    return map;
  });
}

describe("rotation dequantization fuzz: every apply path gives dequantizeQuat's floats", () => {
  for (const kind of ["quat", "transform"] as const) {
    for (const type of [Float32Array, Float64Array]) {
      for (const path of ["generic", "JS kernel", "wasm SIMD", "wasm scalar", "wasm memory"] as const) {
        it(`${kind} over ${type.name}, ${path}, bits 2..16 (seed ${SEED})`, () => {
          for (let bits = 2; bits <= 16; bits++) {
            const rng = createRng(SEED + bits);
            const length = bits % 2 === 1 ? SHORT_COLUMNS : CAPACITY;
            const memory = path === "wasm memory";
            const { registry, columns, rotation, first } = rotationField(
              kind,
              type,
              bits,
              length,
              memory ? { capacity: CAPACITY } : undefined,
            );
            const stride = registry.stride;
            const max = (1 << bits) - 1;
            const apply =
              path === "JS kernel"
                ? worldKernels(registry)?.apply
                : path === "generic" || memory
                  ? undefined
                  : wasmApplyKernel(registry, CAPACITY, { simd: path === "wasm SIMD" })?.apply;
            if (path !== "generic" && !memory) expect(apply, path).toBeDefined();
            for (const map of maps(rng)) {
              // Ids present with probability 0.8 (queued counts of any remainder), prev's slots differ.
              // (pool-backed with the columns in the pool's memory: applySnapshot's wasm kernel in place)
              wasmKernels.enabled = memory;
              const prev = new SnapshotState(registry, CAPACITY);
              const next = new SnapshotState(registry, CAPACITY);
              wasmKernels.enabled = false;
              const slots: (number[] | undefined)[] = [];
              for (let id = 0; id < CAPACITY; id++) {
                if (rng.chance(0.2)) continue;
                const t = tuple(rng, bits);
                slots[id] = t;
                for (const s of [prev, next]) s.setPresent(id, 1);
                t.forEach((v, k) => {
                  next.values[id * stride + first + k] = v;
                  prev.values[id * stride + first + k] = k === 0 ? v ^ 1 : max - v;
                });
              }
              for (const c of columns) c.fill(FILL);
              if (memory) {
                expect(next.pool).toBeDefined();
                wasmKernels.enabled = true;
                try {
                  applySnapshot(createWorld(), registry, prev, next, map);
                } finally {
                  wasmKernels.enabled = false;
                }
              } else if (apply === undefined) {
                const field = registry.fields[0];
                if (field === undefined) throw new Error("no field");
                slots.forEach((_, id) => field.binding.apply(map.entityOf(id), next.values, id * stride));
              } else {
                const others: number[] = [];
                apply(prev, next, map, next.highWater, (id) => others.push(id));
                // The wasm kernel hands ids whose entity lies past the columns to the per-entity
                // path (whose writes there are no-ops, as the JS kernel's); nothing else.
                const past =
                  path === "JS kernel"
                    ? []
                    : slots.flatMap((_, id) => (map.entityOf(id) >= length ? [id] : []));
                expect(others).toEqual(past);
              }
              for (let id = 0; id < CAPACITY; id++) {
                const eid = map.entityOf(id);
                const t = slots[id];
                const got = rotation.map((c) => c[eid] as number);
                if (eid >= length) continue;
                if (t === undefined) {
                  expect(got, `absent id ${id}`).toEqual([FILL, FILL, FILL, FILL]);
                  continue;
                }
                const r = dequantizeQuat(Int32Array.from(t), 0, bits, { x: 0, y: 0, z: 0, w: 0 });
                const want = [r.x, r.y, r.z, r.w];
                // Float32 values of unit length within 2^-21 (docs/REPLICATION.md), forged slots too.
                expect(want.every((v) => Number.isFinite(v) && Math.fround(v) === v)).toBe(true);
                expect(Math.abs(Math.hypot(...want) - 1), `length at ${t.join(",")}`).toBeLessThanOrEqual(
                  2 ** -21,
                );
                expect(got, `bits ${bits} id ${id} entity ${eid} slots ${t.join(",")}`).toEqual(want);
              }
            }
          }
        });
      }
    }
  }
});
