/**
 * Rotations are quantized in float32 arithmetic on every path (protocol/quantize.ts quantizeQuat):
 * the generic path (the templates' quantize and quantizeSoa through the binding, a Transform's
 * rotation part), the generated JS capture kernel and the wasm capture kernel (SIMD: four rotations
 * an f32x4 operation, loaded whole for consecutive ids or lane by lane; scalar) write the pinned
 * integers — which the former f64 arithmetic did not give — and quantizeQuat's integers for random
 * rotations, over Float32 and Float64 columns.
 */
import { addComponent, addEntity, createWorld } from "bitecs";
import { createRng } from "@canopy/core";
import { describe, expect, it } from "vitest";
import { quantizeQuat } from "../../../src/protocol/quantize";
import { worldKernels } from "../../../src/replication/codec/kernels/worldKernels";
import { wasmCaptureKernel } from "../../../src/replication/codec/wasm/wasmCapture";
import { NetworkIdAllocator, SnapshotState } from "../../../src/replication/index";
import { rotationField, runCapture, type RotationColumnType } from "./quatRig";

const CAPACITY = 64;

/** Rotations → integers at 9 and 12 bits pinned (the f64 arithmetic's in the comments). */
const ROTATIONS: readonly (readonly number[])[] = [
  [-0.2684514820575714, -0.14650820195674896, -0.815332293510437, -0.491632342338562],
  [-0.6671496052771122, 0.07977614675093002, -0.21099933114757446, -0.7099482043384879],
  [1e20, 0, 0, 1e20],
];
const PINNED: Record<9 | 12, readonly (readonly number[])[]> = {
  // f64: 2,352,308,433 / 3,497,227,332 / 0,256,256,511
  9: [
    [2, 353, 308, 433],
    [3, 497, 227, 332],
    [3, 256, 256, 256],
  ],
  // f64: 2,2825,2472,3471 / 3,3979,1817,2658 / 0,2047,2047,4095
  12: [
    [2, 2825, 2472, 3471],
    [3, 3979, 1816, 2658],
    [3, 2048, 2048, 2048],
  ],
};

type Column = Float32Array | Float64Array;

/** One rotation field (or a Transform) of `bits` over columns of `type`, its entities' values set. */
function rig(kind: "quat" | "transform", type: RotationColumnType, bits: 9 | 12) {
  const { registry, component, rotation, first } = rotationField(kind, type, bits, CAPACITY);
  // The pinned rotations, then random ones (some unnormalized) up to 23 entities.
  const rng = createRng(bits);
  const quats = ROTATIONS.map((q) => [...q]);
  while (quats.length < 23) quats.push([0, 1, 2, 3].map(() => rng.range(-1, 1) * (rng.chance(0.2) ? 9 : 1)));
  const world = createWorld();
  const allocator = new NetworkIdAllocator(CAPACITY, 3);
  const eids = quats.map((q) => {
    const eid = addEntity(world);
    addComponent(world, eid, component);
    allocator.allocate(eid, 0);
    q.forEach((v, k) => ((rotation[k] as Column)[eid] = v));
    return eid;
  });
  const want = eids.map((eid) => {
    const out = new Int32Array(4);
    const [x, y, z, w] = rotation.map((c) => c[eid] as number) as [number, number, number, number];
    quantizeQuat(x, y, z, w, bits, out, 0);
    return [...out];
  });
  return { registry, world, allocator, eids, want, first };
}

describe("rotations quantized in float32 on every capture path", () => {
  for (const kind of ["quat", "transform"] as const) {
    for (const type of [Float32Array, Float64Array]) {
      for (const bits of [9, 12] as const) {
        const name = `${kind}(${bits}) over ${type.name}`;

        it(`${name}: quantizeQuat and the generic path (quantize, quantizeSoa through the binding)`, () => {
          const { registry, eids, want, first } = rig(kind, type, bits);
          PINNED[bits].forEach((pinned, i) => expect(want[i], `pinned ${i}`).toEqual(pinned));
          const field = registry.fields[0];
          if (field === undefined) throw new Error("no field");
          eids.forEach((eid, i) => {
            const row = new Int32Array(registry.stride);
            field.binding.quantize(eid, row, 0);
            expect([...row.subarray(first, first + 4)], `entity ${eid}`).toEqual(want[i]);
          });
        });

        for (const path of ["JS kernel", "wasm SIMD", "wasm scalar"] as const) {
          it(`${name}: the ${path}, ids in order and shuffled`, () => {
            const { registry, world, allocator, eids, want, first } = rig(kind, type, bits);
            const capture =
              path === "JS kernel"
                ? worldKernels(registry)?.capture
                : wasmCaptureKernel(registry, { simd: path === "wasm SIMD" })?.capture;
            if (capture === undefined) throw new Error(`no ${path}`);
            const shuffled = [...eids].reverse();
            for (const list of [eids, shuffled]) {
              const out = new SnapshotState(registry, CAPACITY);
              runCapture(capture, world, registry, list, allocator, out);
              eids.forEach((eid, i) => {
                const id = allocator.map.netIdOf(eid);
                const row = [
                  ...out.values.subarray(id * registry.stride + first, id * registry.stride + first + 4),
                ];
                expect(row, `entity ${eid}`).toEqual(want[i]);
                if (i < PINNED[bits].length) expect(row, `pinned entity ${eid}`).toEqual(PINNED[bits][i]);
              });
            }
          });
        }
      }
    }
  }
});
