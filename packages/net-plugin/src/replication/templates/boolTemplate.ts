/** BoolTemplate: one bit; a change is a flip, so an update costs only its "changed" bit. */
import { QuantizedTemplate } from "./quantizedTemplate";

/** A boolean (stored in a component as true/false or 0/1). */
export class BoolValueTemplate extends QuantizedTemplate<boolean> {
  readonly kind = "bool";
  readonly descriptor = "bool";
  readonly channels = undefined;

  constructor() {
    super([1], [1], [{ kind: "flip", start: 0, count: 1 }]);
  }

  createValue(): boolean {
    return false;
  }
  quantize(value: boolean | number, out: Int32Array, offset: number): void {
    out[offset] = value ? 1 : 0;
  }
  dequantize(q: Int32Array, offset: number): boolean {
    return q[offset] === 1;
  }
  interpolate(a: boolean, b: boolean, t: number): boolean {
    return t < 1 ? a : b;
  }
  extrapolate(_a: boolean, _ta: number, b: boolean): boolean {
    return b;
  }
}

/** A boolean. */
export function BoolTemplate(): BoolValueTemplate {
  return new BoolValueTemplate();
}
