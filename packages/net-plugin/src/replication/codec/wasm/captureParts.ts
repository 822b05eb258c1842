/**
 * The quantizer parts of a capture plan's fields (capturePlan.ts): a vector, scalar float or
 * rotation is one part; a Transform is two — its position (a linear part of 3 slots over its first
 * 3 columns) and its rotation (a smallest-three part over columns 3…6 at offset + 3), each the JS
 * kernel's expression for a Vec3 and a Quat (fieldAccess.ts quantizeSource "transform"). The parts
 * keep the field's index and bit; the plan keeps one field per registry field (the gather's and
 * tables' positional indices, the row pass's masks over the whole field).
 */
import { quatQuantizeScale, type FloatQuantizer } from "../../../protocol/quantize";
import type { CaptureColumn, CaptureField, CapturePlan, InlineField, LinearSlot } from "./capturePlan";

/** The JS kernel's choice of `(v - min) / step` form (vectorSources.ts `scaled`). */
function inverseOf(step: number): number | undefined {
  const inverse = 1 / step;
  return Number.isFinite(inverse) && 2 ** Math.round(Math.log2(step)) === step ? inverse : undefined;
}

/** One linear slot per quantizer (FloatQuantizer's numbers). */
export function linearSlots(qs: readonly FloatQuantizer[]): LinearSlot[] {
  return qs.map((q) => ({
    min: q.min,
    max: q.max,
    step: q.step,
    maxValue: q.maxValue,
    inverse: inverseOf(q.step),
  }));
}

/** The rotation part's numbers for `bits` per component (quantizeQuat's: the float32 scale). */
export function quatNumbers(bits: number): { maxValue: number; scale: number } {
  return { maxValue: (1 << bits) - 1, scale: quatQuantizeScale(bits) };
}

/** A Transform field's two parts (position: 3 linear slots; rotation: smallest-three at offset + 3). */
export function transformParts(
  common: { index: number; bit: number; offset: number },
  columns: readonly CaptureColumn[],
  qs: readonly FloatQuantizer[],
  bits: number,
): readonly [InlineField, InlineField] {
  const position: InlineField = {
    ...common,
    width: 3,
    columns: columns.slice(0, 3),
    kind: "linear",
    slots: linearSlots(qs),
  };
  const rotation: InlineField = {
    ...common,
    offset: common.offset + 3,
    width: 4,
    columns: columns.slice(3),
    kind: "quat",
    ...quatNumbers(bits),
  };
  return [position, rotation];
}

/** The field's quantizer parts: none for a generic field, two for a Transform, else itself. */
export function fieldParts(field: CaptureField): readonly InlineField[] {
  if (field.kind === "generic") return [];
  if (field.kind === "transform") return field.parts;
  return [field];
}

/** Every part the kernel quantizes, in the plan's field order (a Transform's position first). */
export function quantizedParts(plan: CapturePlan): InlineField[] {
  return plan.fields.flatMap(fieldParts);
}
