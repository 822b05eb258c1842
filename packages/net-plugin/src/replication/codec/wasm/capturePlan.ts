/**
 * Which registries the WebAssembly capture kernel (wasmCapture.ts) can run, and its scratch
 * layout. It needs every field quantized inline by the JS capture kernel (fieldAccess.ts
 * isInlined: SoA vectors and rotations, scalar floats), whose quantization is a pure function of
 * the channel values; any other registry keeps the JS kernel (undefined here).
 *
 * Scratch (one batch of at most `batch` listed entities, field-major so SIMD reads two entities
 * per load): word 0 the version counter and word 1 the high water (in and out); then per batch
 * entry its network id and field mask (i32); the raw channel values (f64, one column of `batch`
 * per row slot); the quantized values (i32, one column per row slot).
 */
import type { ReplicationRegistry } from "../../registry";
import { FloatValueTemplate } from "../../templates/floatTemplate";
import { QuatValueTemplate } from "../../templates/quatTemplate";
import { VectorValueTemplate } from "../../templates/vectorTemplate";
import { isInlined } from "../kernels/fieldAccess";

/** Listed entities per kernel call: bounds the scratch (a longer list runs in several calls). */
export const CAPTURE_BATCH = 512;

/** One linear quantizer (FloatQuantizer's numbers). */
export interface LinearSlot {
  readonly min: number;
  readonly max: number;
  readonly step: number;
  readonly maxValue: number;
  /**
   * `1 / step` when the JS kernel multiplies by it (a power-of-two step: exact, see fieldAccess.ts
   * `scaled`), else undefined: the kernel divides by `step`, as the JS kernel does.
   */
  readonly inverse: number | undefined;
}

/** The JS kernel's choice of `(v - min) / step` form (fieldAccess.ts `scaled`). */
function inverseOf(step: number): number | undefined {
  const inverse = 1 / step;
  return Number.isFinite(inverse) && 2 ** Math.round(Math.log2(step)) === step ? inverse : undefined;
}

/** One field as the kernel quantizes it. */
export type CaptureField = {
  /** Field index (its bit in a state's mask, as an i32: `1 << index`). */
  readonly index: number;
  readonly bit: number;
  /** First slot of the field in a row (and its first raw/quantized column). */
  readonly offset: number;
  readonly width: number;
  /** True when the raw value of a missing element is 0 (scalar float: `?? 0`), else NaN. */
  readonly undefinedIsZero: boolean;
} & (
  | { readonly kind: "linear"; readonly slots: readonly LinearSlot[] }
  | { readonly kind: "quat"; readonly maxValue: number; readonly scale: number }
);

/** The kernel's plan: fields and the scratch layout (byte addresses). */
export interface CapturePlan {
  readonly fields: readonly CaptureField[];
  readonly stride: number;
  readonly batch: number;
  /** i32 network id per batch entry. */
  readonly ids: number;
  /** i32 field mask per batch entry. */
  readonly masks: number;
  /** f64 raw columns: slot `s`, entry `i` at `raw + (s * batch + i) * 8`. */
  readonly raw: number;
  /** i32 quantized columns: slot `s`, entry `i` at `quantized + (s * batch + i) * 4`. */
  readonly quantized: number;
  readonly scratchBytes: number;
}

const align = (n: number, to: number): number => Math.ceil(n / to) * to;

/** The capture plan of `registry`, or undefined when a field is not inlined by the JS kernel. */
export function capturePlan(registry: ReplicationRegistry, batch = CAPTURE_BATCH): CapturePlan | undefined {
  if (!Number.isInteger(batch) || batch < 2 || batch % 2 !== 0) {
    throw new RangeError(`capturePlan: batch ${batch} must be an even integer ≥ 2.`);
  }
  if (registry.fields.length === 0) return undefined;
  const fields: CaptureField[] = [];
  for (const field of registry.fields) {
    if (!isInlined(field)) return undefined;
    const t = field.template;
    const base = {
      index: field.index,
      bit: field.index === 31 ? -0x80000000 : 1 << field.index,
      offset: field.offset,
      width: t.width,
      undefinedIsZero: t instanceof FloatValueTemplate,
    };
    if (t instanceof QuatValueTemplate) {
      const maxValue = (1 << t.bits) - 1;
      // fieldAccess.ts quantizeSource: the same double as its literal.
      fields.push({ ...base, kind: "quat", maxValue, scale: maxValue / (2 * Math.SQRT1_2) });
    } else if (t instanceof VectorValueTemplate || t instanceof FloatValueTemplate) {
      const qs = t instanceof FloatValueTemplate ? [t.quantizer] : t.quantizers;
      const slots = qs.map((q) => ({
        min: q.min,
        max: q.max,
        step: q.step,
        maxValue: q.maxValue,
        inverse: inverseOf(q.step),
      }));
      fields.push({ ...base, kind: "linear", slots });
    } else return undefined;
  }
  const stride = registry.stride;
  const ids = 16;
  const masks = align(ids + batch * 4, 16);
  const raw = align(masks + batch * 4, 16);
  const quantized = align(raw + stride * batch * 8, 16);
  const scratchBytes = align(quantized + stride * batch * 4, 16);
  return { fields, stride, batch, ids, masks, raw, quantized, scratchBytes };
}
