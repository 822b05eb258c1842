/**
 * Rotations are dequantized in float32 arithmetic on every path (protocol/quantize.ts
 * dequantizeQuat): the generic path (the templates' dequantize and dequantizeSoa, a Transform's
 * rotation part), the generated JS apply kernel and the wasm apply kernel (SIMD: four rotations an
 * f32x4 operation; scalar) write the pinned float32 values — which the former f64 arithmetic did
 * not give on Float64 columns — and dequantizeQuat's values for random slots, over Float32 and
 * Float64 columns.
 */
import { createRng } from "@canopy/core";
import { describe, expect, it } from "vitest";
import { dequantizeQuat } from "../../../src/protocol/quantize";
import { worldKernels } from "../../../src/replication/codec/kernels/worldKernels";
import { wasmApplyKernel } from "../../../src/replication/codec/wasm/wasmApply";
import { EntityMap, type ReplicationRegistry, SnapshotState } from "../../../src/replication/index";
import { rotationField } from "./quatRig";

const CAPACITY = 32;
const BITS = 9;

/** Slots → float32 values pinned (f64 arithmetic gave other doubles for the first; the second has n > 1). */
const PINNED: readonly (readonly [readonly number[], readonly number[]])[] = [
  [
    [2, 100, 300, 411],
    [-0.43035265803337097, 0.12315558642148972, 0.7838532328605652, 0.43035265803337097],
  ],
  [
    [0, 500, 500, 20],
    [0, 0.5844321250915527, 0.5844321250915527, -0.5629192590713501],
  ],
];

type Column = Float32Array | Float64Array;

/** Slot tuples: the pinned ones, then random 9-bit ones (largest 0–3). */
function tuples(): number[][] {
  const rng = createRng(5);
  const out = PINNED.map(([slots]) => [...slots]);
  while (out.length < 23) out.push([rng.int(0, 3), rng.int(0, 511), rng.int(0, 511), rng.int(0, 511)]);
  return out;
}

/** `prev` and `next` states: every id present, next's rotation slots = `slots[id]`, prev's differ. */
function states(registry: ReplicationRegistry, first: number, slots: number[][]) {
  const prev = new SnapshotState(registry, CAPACITY);
  const next = new SnapshotState(registry, CAPACITY);
  slots.forEach((tuple, id) => {
    for (const s of [prev, next]) s.setPresent(id, 1);
    tuple.forEach((v, k) => {
      next.values[id * registry.stride + first + k] = v;
      prev.values[id * registry.stride + first + k] = k === 0 ? v ^ 1 : 511 - v;
    });
  });
  return { prev, next };
}

/** The rotation columns' values of entity `eid`. */
const at = (rotation: Column[], eid: number): number[] => rotation.map((c) => c[eid] as number);

/** Entities 0, 1 hold the pinned values (not only dequantizeQuat's: this tree's could be wrong too). */
function expectPinned(rotation: Column[]): void {
  PINNED.forEach(([, pinned], eid) => expect(at(rotation, eid), `pinned entity ${eid}`).toEqual(pinned));
}

describe("rotations dequantized in float32 on every apply path", () => {
  for (const kind of ["quat", "transform"] as const) {
    for (const type of [Float32Array, Float64Array]) {
      const name = `${kind} over ${type.name}`;
      const slots = tuples();
      const want = slots.map((tuple) => {
        const r = dequantizeQuat(Int32Array.from(tuple), 0, BITS, { x: 0, y: 0, z: 0, w: 0 });
        return [r.x, r.y, r.z, r.w];
      });

      it(`${name}: dequantizeQuat gives the pinned float32 values`, () => {
        PINNED.forEach(([, pinned], i) => expect(want[i]).toEqual(pinned));
      });

      it(`${name}: the generic path (dequantize, dequantizeSoa through the binding)`, () => {
        const { registry, rotation, first } = rotationField(kind, type, BITS, CAPACITY);
        const field = registry.fields[0];
        if (field === undefined) throw new Error("no field");
        slots.forEach((tuple, eid) => {
          if (eid < PINNED.length) expect(want[eid]).toEqual(PINNED[eid]?.[1]);
          const row = new Int32Array(registry.stride);
          row.set(tuple, first);
          field.binding.apply(eid, row, 0);
          expect(at(rotation, eid), `entity ${eid}`).toEqual(want[eid]);
          const value = field.template.dequantize(row, 0, field.template.createValue()) as Record<
            string,
            number
          >;
          const keys = kind === "quat" ? ["x", "y", "z", "w"] : ["qx", "qy", "qz", "qw"];
          expect(
            keys.map((k) => value[k]),
            `entity ${eid}`,
          ).toEqual(want[eid]);
        });
      });

      for (const path of ["JS kernel", "wasm SIMD", "wasm scalar"] as const) {
        it(`${name}: the ${path}`, () => {
          const { registry, rotation, columns, first } = rotationField(kind, type, BITS, CAPACITY);
          const { prev, next } = states(registry, first, slots);
          const map = new EntityMap(CAPACITY);
          for (let id = 0; id < CAPACITY; id++) map.bind(id, id);
          for (const c of columns) c.fill(7);
          const others: number[] = [];
          if (path === "JS kernel") {
            const apply = worldKernels(registry)?.apply;
            expect(apply).toBeDefined();
            apply?.(prev, next, map, next.highWater, (id) => others.push(id));
          } else {
            const wasm = wasmApplyKernel(registry, CAPACITY, { simd: path === "wasm SIMD" });
            expect(wasm?.simd).toBe(path === "wasm SIMD");
            wasm?.apply(prev, next, map, next.highWater, (id) => others.push(id));
          }
          expect(others).toEqual([]);
          expectPinned(rotation);
          slots.forEach((_, eid) => expect(at(rotation, eid), `entity ${eid}`).toEqual(want[eid]));
        });
      }
    }
  }
});
