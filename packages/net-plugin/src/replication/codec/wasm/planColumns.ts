/**
 * Small layout helpers the generated kernels' plans share (applyPlan.ts, capturePlan.ts): which
 * component columns a kernel can read from wasm-memory copies, which fields the wasm kernels
 * (de)quantize themselves, and scratch offsets rounded up.
 */
import type { ReplicatedField } from "../../registry";
import { FloatValueTemplate } from "../../templates/floatTemplate";
import { QuatValueTemplate } from "../../templates/quatTemplate";
import { TransformValueTemplate } from "../../templates/transformTemplate";
import { VectorValueTemplate } from "../../templates/vectorTemplate";
import { isInlined } from "../kernels/fieldAccess";

/** `n` rounded up to a multiple of `to`. */
export const align = (n: number, to: number): number => Math.ceil(n / to) * to;

/** A field's columns when every one is a Float32Array or Float64Array (what the kernels read), else undefined. */
export function typedColumns(
  columns: readonly unknown[] | undefined,
): (Float32Array | Float64Array)[] | undefined {
  if (columns === undefined || columns.length === 0) return undefined;
  const out: (Float32Array | Float64Array)[] = [];
  for (const c of columns) {
    if (!(c instanceof Float32Array || c instanceof Float64Array)) return undefined;
    out.push(c);
  }
  return out;
}

/**
 * True when the wasm kernels quantize (capture) and dequantize (apply) field `field` themselves: an
 * SoA vector, rotation or transform or a scalar float the JS kernels inline (fieldAccess.ts).
 */
export function wasmQuantized(field: ReplicatedField): boolean {
  const t = field.template;
  const kind =
    t instanceof QuatValueTemplate ||
    t instanceof VectorValueTemplate ||
    t instanceof FloatValueTemplate ||
    t instanceof TransformValueTemplate;
  return kind && isInlined(field);
}
