/** TransformTemplate: position (bounded Vec3) + rotation (smallest-three), Traktor's `TransformTemplate`. */
import {
  createFloatQuantizer,
  dequantizeFloat,
  dequantizeQuat,
  quantizeFloat,
  quantizeQuat,
  type FloatQuantizer,
  type QuatLike,
} from "../../protocol/quantize";
import { extrapolateLinear, lerp, QuantizedTemplate } from "./quantizedTemplate";
import { extrapolateQuat, nlerpQuat } from "./quatMath";
import { checkQuatBits, DEFAULT_QUAT_BITS } from "./quatTemplate";
import type { SoaArray } from "./valueTemplate";
import type { AxisBound } from "./vectorTemplate";

/** A transform value: position `x, y, z` and rotation `qx, qy, qz, qw` (flat, as SoA stores it). */
export interface TransformValue {
  x: number;
  y: number;
  z: number;
  qx: number;
  qy: number;
  qz: number;
  qw: number;
}

/** Position bounds and precision, and rotation bits per smallest-three component. */
export interface TransformTemplateOptions {
  min: AxisBound;
  max: AxisBound;
  precision: number;
  rotationBits?: number;
}

const AXES = ["x", "y", "z"] as const;
const scratchQuat: QuatLike = { x: 0, y: 0, z: 0, w: 1 };
const scratchQuatB: QuatLike = { x: 0, y: 0, z: 0, w: 1 };
const scratchQuatOut: QuatLike = { x: 0, y: 0, z: 0, w: 1 };

/** Position + rotation in 7 slots: 3 position slots, then smallest-three's 4. */
/** The seven SoA arrays of a transform: x, y, z, qx, qy, qz, qw. */
type TransformSoa = [SoaArray, SoaArray, SoaArray, SoaArray, SoaArray, SoaArray, SoaArray];

export class TransformValueTemplate extends QuantizedTemplate<TransformValue> {
  readonly kind = "transform";
  readonly descriptor: string;
  readonly channels = ["x", "y", "z", "qx", "qy", "qz", "qw"] as const;
  readonly quantizers: readonly FloatQuantizer[];
  readonly rotationBits: number;

  constructor(options: TransformTemplateOptions) {
    const bits = checkQuatBits(options.rotationBits ?? DEFAULT_QUAT_BITS, "TransformTemplate");
    const quantizers = AXES.map((axis) => {
      const min = typeof options.min === "number" ? options.min : (options.min[axis] ?? Number.NaN);
      const max = typeof options.max === "number" ? options.max : (options.max[axis] ?? Number.NaN);
      return createFloatQuantizer(min, max, options.precision, `TransformTemplate axis ${axis}`);
    });
    const qmax = (1 << bits) - 1;
    super(
      [...quantizers.map((q) => q.maxValue), 3, qmax, qmax, qmax],
      [...quantizers.map((q) => q.bits), 2, bits, bits, bits],
      [
        { kind: "slots", start: 0, count: 3 },
        { kind: "quat", start: 3, count: 4 },
      ],
    );
    this.quantizers = quantizers;
    this.rotationBits = bits;
    this.descriptor = `transform(${quantizers.map((q) => `${q.min},${q.max}`).join(";")},${options.precision},${bits})`;
  }

  createValue(): TransformValue {
    return { x: 0, y: 0, z: 0, qx: 0, qy: 0, qz: 0, qw: 1 };
  }
  quantize(v: TransformValue, out: Int32Array, offset: number): void {
    out[offset] = quantizeFloat(this.quantizers[0] as FloatQuantizer, v.x);
    out[offset + 1] = quantizeFloat(this.quantizers[1] as FloatQuantizer, v.y);
    out[offset + 2] = quantizeFloat(this.quantizers[2] as FloatQuantizer, v.z);
    quantizeQuat(v.qx, v.qy, v.qz, v.qw, this.rotationBits, out, offset + 3);
  }
  quantizeSoa(a: readonly SoaArray[], eid: number, out: Int32Array, offset: number): void {
    const [x, y, z, qx, qy, qz, qw] = a as TransformSoa;
    out[offset] = quantizeFloat(this.quantizers[0] as FloatQuantizer, x[eid] as number);
    out[offset + 1] = quantizeFloat(this.quantizers[1] as FloatQuantizer, y[eid] as number);
    out[offset + 2] = quantizeFloat(this.quantizers[2] as FloatQuantizer, z[eid] as number);
    quantizeQuat(
      qx[eid] as number,
      qy[eid] as number,
      qz[eid] as number,
      qw[eid] as number,
      this.rotationBits,
      out,
      offset + 3,
    );
  }
  dequantizeSoa(q: Int32Array, offset: number, a: readonly SoaArray[], eid: number): void {
    const [x, y, z, qx, qy, qz, qw] = a as TransformSoa;
    x[eid] = dequantizeFloat(this.quantizers[0] as FloatQuantizer, q[offset] as number);
    y[eid] = dequantizeFloat(this.quantizers[1] as FloatQuantizer, q[offset + 1] as number);
    z[eid] = dequantizeFloat(this.quantizers[2] as FloatQuantizer, q[offset + 2] as number);
    const r = dequantizeQuat(q, offset + 3, this.rotationBits, scratchQuat);
    qx[eid] = r.x;
    qy[eid] = r.y;
    qz[eid] = r.z;
    qw[eid] = r.w;
  }
  dequantize(q: Int32Array, offset: number, out: TransformValue): TransformValue {
    out.x = dequantizeFloat(this.quantizers[0] as FloatQuantizer, q[offset] as number);
    out.y = dequantizeFloat(this.quantizers[1] as FloatQuantizer, q[offset + 1] as number);
    out.z = dequantizeFloat(this.quantizers[2] as FloatQuantizer, q[offset + 2] as number);
    const r = dequantizeQuat(q, offset + 3, this.rotationBits, scratchQuat);
    out.qx = r.x;
    out.qy = r.y;
    out.qz = r.z;
    out.qw = r.w;
    return out;
  }
  interpolate(a: TransformValue, b: TransformValue, t: number, out: TransformValue): TransformValue {
    out.x = lerp(a.x, b.x, t);
    out.y = lerp(a.y, b.y, t);
    out.z = lerp(a.z, b.z, t);
    return writeRotation(
      out,
      nlerpQuat(rotationOf(a, scratchQuat), rotationOf(b, scratchQuatB), t, scratchQuatOut),
    );
  }
  extrapolate(
    a: TransformValue,
    ta: number,
    b: TransformValue,
    tb: number,
    t: number,
    out: TransformValue,
  ): TransformValue {
    out.x = extrapolateLinear(a.x, ta, b.x, tb, t);
    out.y = extrapolateLinear(a.y, ta, b.y, tb, t);
    out.z = extrapolateLinear(a.z, ta, b.z, tb, t);
    const r = extrapolateQuat(
      rotationOf(a, scratchQuat),
      ta,
      rotationOf(b, scratchQuatB),
      tb,
      t,
      scratchQuatOut,
    );
    return writeRotation(out, r);
  }
}

function rotationOf(v: TransformValue, out: QuatLike): QuatLike {
  out.x = v.qx;
  out.y = v.qy;
  out.z = v.qz;
  out.w = v.qw;
  return out;
}

function writeRotation(out: TransformValue, r: QuatLike): TransformValue {
  out.qx = r.x;
  out.qy = r.y;
  out.qz = r.z;
  out.qw = r.w;
  return out;
}

/** Position + rotation: bounded, quantized position and smallest-three rotation. */
export function TransformTemplate(options: TransformTemplateOptions): TransformValueTemplate {
  return new TransformValueTemplate(options);
}
