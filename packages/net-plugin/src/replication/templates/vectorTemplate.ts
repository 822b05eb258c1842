/** Shared base of Vec2Template and Vec3Template: per-axis bounded floats, coded as slot deltas. */
import {
  createFloatQuantizer,
  dequantizeFloat,
  quantizeFloat,
  type FloatQuantizer,
} from "../../protocol/quantize";
import { thresholdQuanta } from "./floatTemplate";
import { extrapolateLinear, lerp, QuantizedTemplate } from "./quantizedTemplate";
import type { SoaArray } from "./valueTemplate";
// Hot loops call module-local references: in tsx/esbuild's CommonJS output (tests, benches) every
// call of an imported function is a getter call.
const quantizeFloatLocal = quantizeFloat;
const dequantizeFloatLocal = dequantizeFloat;

/** A bound for every axis, or one per axis (`{ x, y, z }`). */
export type AxisBound = number | Readonly<Record<string, number>>;

/** Bounds and precision of a vector; `threshold` (value units, per axis) suppresses smaller moves. */
export interface VectorTemplateOptions {
  min: AxisBound;
  max: AxisBound;
  /** Largest quantization step on every axis. */
  precision: number;
  threshold?: number;
}

function axisBound(bound: AxisBound, axis: string, what: string): number {
  if (typeof bound === "number") return bound;
  const v = bound[axis];
  if (v === undefined) throw new RangeError(`${what}: the bound object is missing axis "${axis}".`);
  return v;
}

/** A vector of named float axes (`Record<axis, number>`). */
export class VectorValueTemplate<V extends Record<string, number>> extends QuantizedTemplate<V> {
  readonly kind: string;
  readonly descriptor: string;
  readonly channels: readonly string[];
  readonly quantizers: readonly FloatQuantizer[];
  /** The quantizers' fields per axis, flat for the SoA paths. */
  readonly mins: Float64Array;
  readonly maxs: Float64Array;
  readonly steps: Float64Array;
  readonly maxValues: Float64Array;

  constructor(kind: string, axes: readonly string[], options: VectorTemplateOptions) {
    const what = kind === "vec2" ? "Vec2Template" : "Vec3Template";
    const quantizers = axes.map((axis) =>
      createFloatQuantizer(
        axisBound(options.min, axis, what),
        axisBound(options.max, axis, what),
        options.precision,
        `${what} axis ${axis}`,
      ),
    );
    const minStep = Math.min(...quantizers.map((q) => q.step));
    super(
      quantizers.map((q) => q.maxValue),
      quantizers.map((q) => q.bits),
      [{ kind: "slots", start: 0, count: axes.length }],
      thresholdQuanta(options.threshold, minStep),
    );
    this.kind = kind;
    this.channels = axes;
    this.quantizers = quantizers;
    this.mins = Float64Array.from(quantizers, (q) => q.min);
    this.maxs = Float64Array.from(quantizers, (q) => q.max);
    this.steps = Float64Array.from(quantizers, (q) => q.step);
    this.maxValues = Float64Array.from(quantizers, (q) => q.maxValue);
    this.descriptor = `${kind}(${quantizers.map((q) => `${q.min},${q.max}`).join(";")},${options.precision},${this.thresholdQuanta})`;
  }

  createValue(): V {
    const v: Record<string, number> = {};
    for (const axis of this.channels) v[axis] = 0;
    return v as V;
  }
  quantize(value: V, out: Int32Array, offset: number): void {
    for (let i = 0; i < this.channels.length; i++) {
      out[offset + i] = quantizeFloatLocal(
        this.quantizers[i] as FloatQuantizer,
        value[this.channels[i] as string] as number,
      );
    }
  }
  quantizeSoa(arrays: readonly SoaArray[], eid: number, out: Int32Array, offset: number): void {
    // quantizeFloat (protocol/quantize.ts) over flat per-axis bounds.
    const { mins, maxs, steps, maxValues } = this;
    for (let i = 0; i < arrays.length; i++) {
      const v = (arrays[i] as SoaArray)[eid] as number;
      const min = mins[i] as number;
      out[offset + i] = !(v > min)
        ? 0
        : v >= (maxs[i] as number)
          ? (maxValues[i] as number)
          : Math.round((v - min) / (steps[i] as number));
    }
  }
  dequantizeSoa(q: Int32Array, offset: number, arrays: readonly SoaArray[], eid: number): void {
    // dequantizeFloat (protocol/quantize.ts) over flat per-axis bounds.
    const { mins, maxs, steps, maxValues } = this;
    for (let i = 0; i < arrays.length; i++) {
      const v = q[offset + i] as number;
      (arrays[i] as SoaArray)[eid] =
        v >= (maxValues[i] as number) ? (maxs[i] as number) : (mins[i] as number) + v * (steps[i] as number);
    }
  }
  dequantize(q: Int32Array, offset: number, out: V): V {
    const o = out as Record<string, number>;
    for (let i = 0; i < this.channels.length; i++) {
      o[this.channels[i] as string] = dequantizeFloatLocal(
        this.quantizers[i] as FloatQuantizer,
        q[offset + i] as number,
      );
    }
    return out;
  }
  interpolate(a: V, b: V, t: number, out: V): V {
    const o = out as Record<string, number>;
    for (const axis of this.channels) o[axis] = lerp(a[axis] as number, b[axis] as number, t);
    return out;
  }
  extrapolate(a: V, ta: number, b: V, tb: number, t: number, out: V): V {
    const o = out as Record<string, number>;
    for (const axis of this.channels)
      o[axis] = extrapolateLinear(a[axis] as number, ta, b[axis] as number, tb, t);
    return out;
  }
}
