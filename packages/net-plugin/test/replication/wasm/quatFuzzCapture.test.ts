/**
 * Property test of rotation quantization across every capture path: quantizeQuat's integers from
 * the generic binding, the generated JS kernel and the wasm kernel (SIMD, scalar, and through
 * captureWorld on columns in the codec's wasm memory), for Quat and Transform fields over Float32
 * and Float64 columns (at odd widths shorter than the entity ids) at every width 2..16, with ids in order,
 * reversed, shuffled and lists not a multiple of four — on inputs chosen to break one path and not
 * another: zeros and negative zeros, NaN, ±Infinity, float32 and float64 denormals, float32
 * overflow in a Float64 column (|x| > 3.4e38) and squares that overflow float32 (|x| ≈ 1.8e19),
 * non-unit lengths, ties between the largest components (of either sign) and slots on rounding
 * edges (p an integer ± a few float32 ulps).
 */
import { addComponent, addEntity, createWorld } from "bitecs";
import { createRng, type Rng } from "@canopy/core";
import { describe, expect, it } from "vitest";
import { quantizeQuat, quatQuantizeScale } from "../../../src/protocol/quantize";
import { worldKernels } from "../../../src/replication/codec/kernels/worldKernels";
import { layoutOf } from "../../../src/replication/codec/kernels/worldLayout";
import { wasmCaptureKernel } from "../../../src/replication/codec/wasm/wasmCapture";
import { wasmKernels } from "../../../src/replication/codec/wasm/wasmKernels";
import { captureWorld } from "../../../src/replication/worldCapture";
import { NetworkIdAllocator, SnapshotState } from "../../../src/replication/index";
import { rotationField, runCapture, type RotationColumnType } from "./quatRig";

const CAPACITY = 160;
const ENTITIES = 150;
/** Column length at odd widths: entity ids from 137 on lie past the columns' end (read as NaN: identity). */
const SHORT_COLUMNS = 137;
const SEED = 0x5eed10;

/** Components a path must treat alike however it loads, rounds and compares them. */
const SPECIAL = [
  0,
  -0,
  NaN,
  Infinity,
  -Infinity,
  1,
  -1,
  0.5,
  -0.5,
  Math.SQRT1_2,
  -Math.SQRT1_2,
  1e-45,
  -1e-45,
  1e-40,
  1.2e-38,
  1e-310,
  -1e-310,
  3.4028234663852886e38,
  3.5e38,
  -1e39,
  1e300,
  1.8e19,
  -1.9e19,
  1e-12,
  1.0000001e-12,
  1e-6,
  65504,
  0.9999999,
];

/** A rotation whose slots sit on rounding edges at `bits`: p = c·k an integer ± a few float32 ulps. */
function edgeRotation(rng: Rng, bits: number): number[] {
  const scale = quatQuantizeScale(bits);
  const half = 1 << (bits - 1);
  const q = [0, 1, 2].map(() => {
    const m = rng.int(-half + 1, half - 1);
    const c = Math.fround(m / scale);
    const ulp = c === 0 ? 2 ** -149 : Math.abs(c) * 2 ** -23;
    return c + rng.int(-2, 2) * ulp;
  });
  const rest = 1 - q.reduce((s, c) => s + c * c, 0);
  q.splice(rng.int(0, 3), 0, Math.sqrt(Math.max(0.3, rest)));
  return q.map((c) => (rng.chance(0.5) ? -c : c));
}

/** One adversarial rotation (x, y, z, w). */
function rotation(rng: Rng, bits: number): number[] {
  const pick = (): number => SPECIAL[rng.int(0, SPECIAL.length - 1)] as number;
  switch (rng.int(0, 5)) {
    case 0:
      return [0, 1, 2, 3].map(() => (rng.chance(0.5) ? pick() : rng.range(-1, 1)));
    case 1: {
      // Ties: two to four components of equal magnitude, signs mixed.
      const v = rng.chance(0.5) ? pick() : rng.range(-2, 2);
      const q = [0, 1, 2, 3].map(() => rng.range(-Math.abs(v), Math.abs(v)) * 0.5);
      for (let k = 0; k < 4; k++) if (rng.chance(0.6)) q[k] = rng.chance(0.5) ? -v : v;
      return q;
    }
    case 2:
      return edgeRotation(rng, bits);
    case 3:
      // Non-unit lengths over many magnitudes.
      return [0, 1, 2, 3].map(() => rng.range(-1, 1) * 10 ** rng.int(-20, 20));
    default:
      return [0, 1, 2, 3].map(() => rng.range(-1, 1));
  }
}

type Column = Float32Array | Float64Array;

/** A field of `kind` at `bits` over columns of `type`, ENTITIES entities holding adversarial rotations. */
function rig(kind: "quat" | "transform", type: RotationColumnType, bits: number, rng: Rng, memory: boolean) {
  const length = bits % 2 === 1 ? SHORT_COLUMNS : CAPACITY;
  const {
    registry,
    component,
    rotation: columns,
    first,
  } = rotationField(kind, type, bits, length, memory ? { capacity: CAPACITY } : undefined);
  const world = createWorld();
  const allocator = new NetworkIdAllocator(CAPACITY, 3);
  const eids: number[] = [];
  for (let i = 0; i < ENTITIES; i++) {
    const eid = addEntity(world);
    addComponent(world, eid, component);
    allocator.allocate(eid, 0);
    rotation(rng, bits).forEach((v, k) => ((columns[k] as Column)[eid] = v));
    eids.push(eid);
  }
  const want = new Map<number, number[]>();
  for (const eid of eids) {
    const out = new Int32Array(4);
    const [x, y, z, w] = columns.map((c) => c[eid] as number) as [number, number, number, number];
    quantizeQuat(x, y, z, w, bits, out, 0);
    want.set(eid, [...out]);
  }
  return { registry, world, allocator, eids, want, first };
}

/** Entity lists: in order, reversed, shuffled, and in-order / shuffled runs of 4k+1..4k+3. */
function lists(rng: Rng, eids: readonly number[]): number[][] {
  const shuffled = [...eids];
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [shuffled[i], shuffled[j]] = [shuffled[j] as number, shuffled[i] as number];
  }
  return [
    [...eids],
    [...eids].reverse(),
    shuffled,
    eids.slice(0, 4 * rng.int(1, 20) + rng.int(1, 3)),
    shuffled.slice(0, 4 * rng.int(1, 20) + rng.int(1, 3)),
    eids.slice(1, 4 * rng.int(1, 20) + rng.int(1, 3)),
  ];
}

describe("rotation quantization fuzz: every capture path gives quantizeQuat's integers", () => {
  for (const kind of ["quat", "transform"] as const) {
    for (const type of [Float32Array, Float64Array]) {
      for (const path of ["generic", "JS kernel", "wasm SIMD", "wasm scalar", "wasm memory"] as const) {
        it(`${kind} over ${type.name}, ${path}, bits 2..16 (seed ${SEED})`, () => {
          for (let bits = 2; bits <= 16; bits++) {
            const rng = createRng(SEED + bits);
            const memory = path === "wasm memory";
            const { registry, world, allocator, eids, want, first } = rig(kind, type, bits, rng, memory);
            const row = (values: Int32Array, id: number): number[] => [
              ...values.subarray(id * registry.stride + first, id * registry.stride + first + 4),
            ];
            if (path === "generic") {
              const field = registry.fields[0];
              if (field === undefined) throw new Error("no field");
              const out = new Int32Array(registry.stride);
              for (const eid of eids) {
                field.binding.quantize(eid, out, 0);
                expect(row(out, 0), `bits ${bits} entity ${eid}`).toEqual(want.get(eid));
              }
              continue;
            }
            if (memory) {
              // Columns in the codec's memory, read in place by the layout's wasm kernel (captureWorld).
              for (const list of lists(rng, eids)) {
                wasmKernels.enabled = true;
                try {
                  const out = new SnapshotState(registry, CAPACITY);
                  expect([out.pool, layoutOf(registry).wasmCapture]).not.toContain(undefined);
                  captureWorld(world, registry, list, allocator.map, out, bits);
                  for (const eid of list) {
                    const got = row(out.values, allocator.map.netIdOf(eid));
                    expect(got, `bits ${bits} entity ${eid}`).toEqual(want.get(eid));
                  }
                } finally {
                  wasmKernels.enabled = false;
                }
              }
              continue;
            }
            const capture =
              path === "JS kernel"
                ? worldKernels(registry)?.capture
                : wasmCaptureKernel(registry, { simd: path === "wasm SIMD" })?.capture;
            if (capture === undefined) throw new Error(`no ${path}`);
            for (const list of lists(rng, eids)) {
              const out = new SnapshotState(registry, CAPACITY);
              runCapture(capture, world, registry, list, allocator, out);
              for (const eid of list) {
                const got = row(out.values, allocator.map.netIdOf(eid));
                expect(got, `bits ${bits} entity ${eid} rotation ${eids.indexOf(eid)}`).toEqual(
                  want.get(eid),
                );
              }
            }
          }
        });
      }
    }
  }
});
