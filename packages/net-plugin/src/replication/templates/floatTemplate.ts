/** FloatTemplate: one bounded float quantized to `precision` (Traktor's `FloatTemplate`). */
import {
  createFloatQuantizer,
  dequantizeFloat,
  quantizeFloat,
  type FloatQuantizer,
} from "../../protocol/quantize";
import { extrapolateLinear, lerp, QuantizedTemplate } from "./quantizedTemplate";

/** Bounds and precision of a float; `threshold` (value units) suppresses smaller changes. */
export interface FloatTemplateOptions {
  min: number;
  max: number;
  /** Largest quantization step; the error after a round trip is at most half of it. */
  precision: number;
  /** Changes smaller than this (value units) are not worth sending (default: any step). */
  threshold?: number;
}

/** A bounded, quantized float. */
export class FloatValueTemplate extends QuantizedTemplate<number> {
  readonly kind = "float";
  readonly descriptor: string;
  readonly channels = undefined;
  readonly quantizer: FloatQuantizer;

  constructor(options: FloatTemplateOptions) {
    const q = createFloatQuantizer(options.min, options.max, options.precision, "FloatTemplate");
    super(
      [q.maxValue],
      [q.bits],
      [{ kind: "slots", start: 0, count: 1 }],
      thresholdQuanta(options.threshold, q.step),
    );
    this.quantizer = q;
    this.descriptor = `float(${options.min},${options.max},${options.precision},${this.thresholdQuanta})`;
  }

  createValue(): number {
    return 0;
  }
  quantize(value: number, out: Int32Array, offset: number): void {
    out[offset] = quantizeFloat(this.quantizer, value);
  }
  dequantize(q: Int32Array, offset: number): number {
    return dequantizeFloat(this.quantizer, q[offset] as number);
  }
  interpolate(a: number, b: number, t: number): number {
    return lerp(a, b, t);
  }
  extrapolate(a: number, ta: number, b: number, tb: number, t: number): number {
    return extrapolateLinear(a, ta, b, tb, t);
  }
}

/** Whole quanta below a threshold given in value units (0 when none). */
export function thresholdQuanta(threshold: number | undefined, step: number): number {
  if (threshold === undefined || threshold <= 0) return 0;
  return Math.max(0, Math.ceil(threshold / step) - 1);
}

/** A bounded float quantized to `precision`. */
export function FloatTemplate(options: FloatTemplateOptions): FloatValueTemplate {
  return new FloatValueTemplate(options);
}
