/** QuatTemplate: a unit quaternion as smallest-three (2-bit index + 3 × `bits`). */
import { dequantizeQuat, quantizeQuat, quatDequantizeScale, type QuatLike } from "../../protocol/quantize";
import { QuantizedTemplate } from "./quantizedTemplate";
import { extrapolateQuat, nlerpQuat } from "./quatMath";
import type { SoaArray } from "./valueTemplate";
// Hot loops call module-local references: in tsx/esbuild's CommonJS output (tests, benches) every
// call of an imported function is a getter call.
const quantizeQuatLocal = quantizeQuat;
const dequantizeQuatLocal = dequantizeQuat;
/** dequantizeSoa's result before it is written into the channel arrays. */
const soaScratch: QuatLike = { x: 0, y: 0, z: 0, w: 1 };

/** Bits per smallest-three component (default 9: ≈0.2° worst-case error, 29 bits per rotation). */
export interface QuatTemplateOptions {
  bits?: number;
}

/** Default bits per smallest-three component (Glenn Fiedler's choice for the cubes demo). */
export const DEFAULT_QUAT_BITS = 9;

/** Checks a smallest-three component width. */
export function checkQuatBits(bits: number, what: string): number {
  if (!Number.isInteger(bits) || bits < 2 || bits > 16) {
    throw new RangeError(`${what}: bits per component must be an integer in 2..16, got ${bits}.`);
  }
  return bits;
}

/** A rotation `{ x, y, z, w }` quantized with smallest-three. */
export class QuatValueTemplate extends QuantizedTemplate<QuatLike> {
  readonly kind = "quat";
  readonly descriptor: string;
  readonly channels = ["x", "y", "z", "w"] as const;
  readonly bits: number;
  /** Slot → component scale of dequantizeQuat (quatDequantizeScale: a float32, computed once). */
  readonly dequantizeScale: number;
  /** The slot of component 0: maxValue / 2 (a half-integer). */
  readonly middle: number;

  constructor(options: QuatTemplateOptions = {}) {
    const bits = checkQuatBits(options.bits ?? DEFAULT_QUAT_BITS, "QuatTemplate");
    const max = (1 << bits) - 1;
    super([3, max, max, max], [2, bits, bits, bits], [{ kind: "quat", start: 0, count: 4 }]);
    this.bits = bits;
    this.dequantizeScale = quatDequantizeScale(bits);
    this.middle = max / 2;
    this.descriptor = `quat(${bits})`;
  }

  createValue(): QuatLike {
    return { x: 0, y: 0, z: 0, w: 1 };
  }
  quantize(value: QuatLike, out: Int32Array, offset: number): void {
    quantizeQuatLocal(value.x, value.y, value.z, value.w, this.bits, out, offset);
  }
  quantizeSoa(a: readonly SoaArray[], eid: number, out: Int32Array, offset: number): void {
    quantizeQuatLocal(
      (a[0] as SoaArray)[eid] as number,
      (a[1] as SoaArray)[eid] as number,
      (a[2] as SoaArray)[eid] as number,
      (a[3] as SoaArray)[eid] as number,
      this.bits,
      out,
      offset,
    );
  }
  dequantizeSoa(q: Int32Array, offset: number, a: readonly SoaArray[], eid: number): void {
    const r = dequantizeQuatLocal(q, offset, this.bits, soaScratch);
    (a[0] as SoaArray)[eid] = r.x;
    (a[1] as SoaArray)[eid] = r.y;
    (a[2] as SoaArray)[eid] = r.z;
    (a[3] as SoaArray)[eid] = r.w;
  }
  dequantize(q: Int32Array, offset: number, out: QuatLike): QuatLike {
    return dequantizeQuatLocal(q, offset, this.bits, out);
  }
  interpolate(a: QuatLike, b: QuatLike, t: number, out: QuatLike): QuatLike {
    return nlerpQuat(a, b, t, out);
  }
  extrapolate(a: QuatLike, ta: number, b: QuatLike, tb: number, t: number, out: QuatLike): QuatLike {
    return extrapolateQuat(a, ta, b, tb, t, out);
  }
}

/** A unit quaternion quantized with smallest-three, `bits` per component. */
export function QuatTemplate(options: QuatTemplateOptions = {}): QuatValueTemplate {
  return new QuatValueTemplate(options);
}
