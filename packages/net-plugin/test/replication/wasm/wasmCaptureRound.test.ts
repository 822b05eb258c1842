/**
 * The SIMD capture kernel drops the round-exception check (t = 0.49999999999999994, where
 * floor(t + 0.5) is not the JS kernel's rounding) for linear slots over Float32 columns with a
 * power-of-two step and min a whole number of steps (codec/wasm/captureSimd.ts noRoundException:
 * there t is never that value). Against the JS kernel: Float32 values at and around every half
 * step (±3 float32 ulps) of several such bounds — min 0, negative and positive whole-step mins,
 * steps from 1/512 to 4, values near 0 far below the min's magnitude — the same integers.
 */
import { addComponent, addEntity, createWorld } from "bitecs";
import { afterEach, describe, expect, it } from "vitest";
import { layoutOf } from "../../../src/replication/codec/kernels/worldLayout";
import { capturePlan } from "../../../src/replication/codec/wasm/capturePlan";
import { noRoundException } from "../../../src/replication/codec/wasm/captureSimd";
import { wasmKernels } from "../../../src/replication/codec/wasm/wasmKernels";
import {
  captureWorld,
  NetworkIdAllocator,
  ReplicationRegistry,
  SnapshotState,
  Vec3Template,
} from "../../../src/replication/index";
import { expectSameState, twin } from "./captureTwins";

afterEach(() => {
  wasmKernels.enabled = false;
});

/** The float32 `k` ulps from `v` (k may be negative). */
function f32Step(v: number, k: number): number {
  const view = new DataView(new ArrayBuffer(4));
  view.setFloat32(0, v);
  const bits = view.getInt32(0);
  // Float32 bit patterns order like the values for non-negative floats, reversed for negative ones.
  view.setInt32(0, v >= 0 || Object.is(v, 0) ? bits + k : bits - k);
  return view.getFloat32(0);
}

/** Values at and around half steps of `min`/`step` (a few steps in, near the top, near 0). */
function halfSteps(min: number, max: number, step: number): number[] {
  const top = Math.round((max - min) / step);
  const ks = [0, 1, 2, 3, 17, top >> 1, top - 2, top - 1];
  const centers = ks.map((k) => min + (k + 0.5) * step);
  // Near 0 (far below |min|): half steps of t there, and small values of their own.
  const zeroK = Math.round(-min / step);
  for (let k = zeroK - 2; k <= zeroK + 2; k++) centers.push(min + (k + 0.5) * step);
  centers.push(2 ** -20, -(2 ** -20), 2 ** -40, step / 2 - 2 ** -30);
  const values: number[] = [];
  for (const c of centers) {
    const v = Math.fround(c);
    for (let d = -3; d <= 3; d++) values.push(f32Step(v, d));
  }
  return values;
}

const BOUNDS: { min: number; max: number; precision: number }[] = [
  { min: -50, max: 50, precision: 1 / 512 },
  { min: 0, max: 100, precision: 1 / 64 },
  { min: -1, max: 1, precision: 1 / 4 },
  { min: 3 / 1024, max: 1, precision: 1 / 1024 },
  { min: -4096, max: 4096, precision: 4 },
  { min: -4096, max: 4096, precision: 1 / 256 },
];

describe("capture rounding without the exception check (Float32 columns, power-of-two steps)", () => {
  it.each(BOUNDS)("matches the JS kernel at and around half steps (%o)", (bounds) => {
    const values = halfSteps(bounds.min, bounds.max, bounds.precision);
    const count = Math.ceil(values.length / 3) + 3;
    const columns = {
      x: new Float32Array(count + 4),
      y: new Float32Array(count + 4),
      z: new Float32Array(count + 4),
    };
    const source = new ReplicationRegistry();
    source.replicate(
      columns,
      Vec3Template({ min: bounds.min, max: bounds.max, precision: bounds.precision }),
      {
        name: "p",
      },
    );
    const plan = capturePlan(source);
    const field = plan?.fields[0];
    expect(
      field?.kind === "linear" && field.slots.every((z, s) => noRoundException(z, field.columns[s])),
    ).toBe(true);
    const { js, wasm } = twin(source);
    expect(layoutOf(wasm).wasmCapture?.simd).toBe(true);
    const world = createWorld();
    const allocator = new NetworkIdAllocator(count + 8);
    const list: number[] = [];
    for (let i = 0; i < count; i++) {
      const eid = addEntity(world);
      addComponent(world, eid, columns);
      allocator.allocate(eid, 0);
      list.push(eid);
    }
    const a = new SnapshotState(js, count + 8);
    wasmKernels.enabled = true;
    const b = new SnapshotState(wasm, count + 8);
    wasmKernels.enabled = false;
    // Three ticks, the values rotated across the channels and entities.
    for (let tick = 1; tick <= 3; tick++) {
      list.forEach((eid, i) => {
        columns.x[eid] = values[(3 * i + tick) % values.length] as number;
        columns.y[eid] = values[(3 * i + 1 + 2 * tick) % values.length] as number;
        columns.z[eid] = values[(3 * i + 2 + 3 * tick) % values.length] as number;
      });
      captureWorld(world, js, list, allocator.map, a, tick);
      captureWorld(world, wasm, list, allocator.map, b, tick);
      expectSameState(a, b, `tick ${tick}`);
    }
  });

  it("keeps the check for Float64 columns, non-power-of-two steps and mins off the step grid", () => {
    const f32 = (): Float32Array => new Float32Array(8);
    const f64 = (): Float64Array => new Float64Array(8);
    const cases: [Float32Array | Float64Array, { min: number; max: number; precision: number }][] = [
      [f64(), { min: -50, max: 50, precision: 1 / 512 }],
      [f32(), { min: -50, max: 50, precision: 0.01 }],
      [f32(), { min: -50.001, max: 50, precision: 1 / 512 }],
    ];
    for (const [column, bounds] of cases) {
      const r = new ReplicationRegistry();
      r.replicate({ x: column, y: column.slice(), z: column.slice() }, Vec3Template(bounds));
      const field = capturePlan(r)?.fields[0];
      expect(
        field?.kind === "linear" && field.slots.some((z, s) => noRoundException(z, field.columns[s])),
      ).toBe(false);
    }
  });
});
