/** IntTemplate: an integer in `min..max`, or an unsigned integer of `bits` bits. */
import { bitsRequired, MAX_QUANTIZED_BITS } from "../../protocol/quantize";
import { extrapolateLinear, QuantizedTemplate } from "./quantizedTemplate";

/** Either a range (`min..max`, both inclusive) or a bit count (unsigned `0..2^bits-1`). */
export type IntTemplateOptions = { min: number; max: number } | { bits: number };

/** A bounded integer; values outside the range are clamped. */
export class IntValueTemplate extends QuantizedTemplate<number> {
  readonly kind = "int";
  readonly descriptor: string;
  readonly channels = undefined;
  readonly min: number;
  readonly max: number;

  constructor(options: IntTemplateOptions) {
    const [min, max] = "bits" in options ? [0, 2 ** options.bits - 1] : [options.min, options.max];
    if (!Number.isInteger(min) || !Number.isInteger(max) || max < min) {
      throw new RangeError(`IntTemplate: needs integer bounds with max >= min, got ${min}..${max}.`);
    }
    const bits = bitsRequired(max - min);
    if (bits > MAX_QUANTIZED_BITS) {
      throw new RangeError(
        `IntTemplate: ${min}..${max} needs ${bits} bits; at most ${MAX_QUANTIZED_BITS} are allowed.`,
      );
    }
    super([max - min], [bits], [{ kind: "slots", start: 0, count: 1 }]);
    this.min = min;
    this.max = max;
    this.descriptor = `int(${min},${max})`;
  }

  createValue(): number {
    return 0;
  }
  quantize(value: number, out: Int32Array, offset: number): void {
    const v = Math.round(value);
    out[offset] = v >= this.max ? this.max - this.min : v > this.min ? v - this.min : 0;
  }
  dequantize(q: Int32Array, offset: number): number {
    return (q[offset] as number) + this.min;
  }
  interpolate(a: number, b: number, t: number): number {
    return t < 1 ? a : b;
  }
  extrapolate(a: number, ta: number, b: number, tb: number, t: number): number {
    const v = Math.round(extrapolateLinear(a, ta, b, tb, t));
    return Math.min(this.max, Math.max(this.min, v));
  }
}

/** An integer in `min..max` (or of `bits` unsigned bits). */
export function IntTemplate(options: IntTemplateOptions): IntValueTemplate {
  return new IntValueTemplate(options);
}
