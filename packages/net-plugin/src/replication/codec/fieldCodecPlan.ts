/**
 * Per-field fast-path codes of a registry (which fields the codec's specialised loops code inline,
 * and how) and the coded-group layout of the snapshot's k table.
 */
import type { ReplicationRegistry } from "../registry";
import { QuantizedTemplate } from "../templates/quantizedTemplate";
import type { DeltaGroup, ValueTemplate } from "../templates/valueTemplate";

/** For each field, the index of its first coded (`slots`/`quat`) group in the per-snapshot k table. */
export function codedGroupLayout(registry: ReplicationRegistry): {
  groupBase: Int32Array;
  codedGroups: number;
} {
  const groupBase = new Int32Array(registry.fields.length);
  let n = 0;
  for (const f of registry.fields) {
    groupBase[f.index] = n;
    for (const g of f.template.deltaGroups) if (g.kind === "slots" || g.kind === "quat") n++;
  }
  return { groupBase, codedGroups: n };
}

/** Field coded by {@link writeFieldDelta} / {@link readFieldDelta} (any template). */
export const FIELD_GENERIC = 0;
/** Field of one `slots` group over all its slots, with the base range check and threshold. */
export const FIELD_SLOTS = 1;
/** Field of one 4-slot `quat` group, with the base range check and threshold. */
export const FIELD_QUAT = 2;
/**
 * A Bool-like field: one 0/1 slot in one `flip` group, base `changed`/`isValid`, no threshold. Its
 * "changed" flag is the whole update (the decoder sets 1 − base); a spawn packs it in full.
 */
export const FIELD_FLIP = 3;
/**
 * An Enum-like field: one `full` group over all its slots, base `changed`/`isValid`, and the base
 * `packQuantized`/`unpackQuantized`/`packedBits` (each slot in its `slotBits` bits, ≤ 30).
 */
export const FIELD_FULL = 4;
/**
 * A Transform-like field: a 3-slot `slots` group then a 4-slot `quat` group, base `changed` (over
 * all seven slots, with its threshold) and `isValid`. One "changed" bit; its position slots go in
 * three columns like a `slots` field's and its rotation like a Quat field's (the "same largest"
 * bit, then three columns or the full value).
 */
export const FIELD_TRANSFORM = 5;

/** True when `t`'s delta groups are a Transform's: slots 0..2, then a smallest-three rotation 3..6. */
export function transformGroups(t: {
  readonly width: number;
  readonly deltaGroups: readonly DeltaGroup[];
}): boolean {
  const [a, b] = t.deltaGroups;
  return (
    t.width === 7 &&
    t.deltaGroups.length === 2 &&
    a?.kind === "slots" &&
    a.start === 0 &&
    a.count === 3 &&
    b?.kind === "quat" &&
    b.start === 3 &&
    b.count === 4
  );
}

/** True when `t` is a QuantizedTemplate with the base `changed` and `isValid` (every fast path's precondition). */
function baseChecks(t: ValueTemplate<unknown>): t is QuantizedTemplate<unknown> {
  const p = QuantizedTemplate.prototype;
  return t instanceof QuantizedTemplate && t.changed === p.changed && t.isValid === p.isValid;
}

/** True when the codec codes `t` as {@link FIELD_TRANSFORM} (the protocol hash names it: registry.ts). */
export function codesAsTransform(t: ValueTemplate<unknown>): t is QuantizedTemplate<unknown> {
  return baseChecks(t) && transformGroups(t);
}

/** True when `t` packs as QuantizedTemplate does (fixed `slotBits` per slot, range-checked on read). */
function basePacking(t: QuantizedTemplate<unknown>): boolean {
  const p = QuantizedTemplate.prototype;
  return (
    t.packQuantized === p.packQuantized &&
    t.unpackQuantized === p.unpackQuantized &&
    t.packedBits === p.packedBits &&
    t.slotBits.every((b) => b >= 0 && b <= 30)
  );
}

/**
 * The registry's fields flattened for the codec's specialised loops: per field its fast-path code
 * (FIELD_*: built-in templates whose `changed`/`isValid` are the QuantizedTemplate ones), offset, width,
 * change threshold and first coded group; per row slot its range and full-value bits.
 */
export interface FieldCodecPlan {
  readonly codes: Uint8Array;
  readonly offsets: Int32Array;
  readonly widths: Int32Array;
  readonly thresholds: Int32Array;
  readonly groupBase: Int32Array;
  /** Per row slot (registry offsets): largest valid value. */
  readonly slotMax: Int32Array;
  /** Per row slot: bits when packed in full. */
  readonly slotBits: Int32Array;
  /** Mask with every field set. */
  readonly fullMask: number;
}

/** Builds the {@link FieldCodecPlan} of a (closed) registry. */
export function fieldCodecPlan(registry: ReplicationRegistry): FieldCodecPlan {
  const fields = registry.fields;
  const n = fields.length;
  const plan: FieldCodecPlan = {
    codes: new Uint8Array(n),
    offsets: new Int32Array(n),
    widths: new Int32Array(n),
    thresholds: new Int32Array(n),
    groupBase: codedGroupLayout(registry).groupBase,
    slotMax: new Int32Array(registry.stride),
    slotBits: new Int32Array(registry.stride),
    fullMask: n >= 32 ? -1 : (1 << n) - 1,
  };
  for (const f of fields) {
    const t = f.template;
    plan.offsets[f.index] = f.offset;
    plan.widths[f.index] = t.width;
    for (let s = 0; s < t.width; s++) {
      plan.slotMax[f.offset + s] = t.slotMax[s] as number;
      plan.slotBits[f.offset + s] = t.slotBits[s] as number;
    }
    const group = t.deltaGroups.length === 1 ? t.deltaGroups[0] : undefined;
    const base = baseChecks(t);
    if (base && transformGroups(t)) {
      plan.thresholds[f.index] = t.thresholdQuanta;
      plan.codes[f.index] = FIELD_TRANSFORM;
      continue;
    }
    if (!base || group === undefined || group.start !== 0 || group.count !== t.width) continue;
    plan.thresholds[f.index] = t.thresholdQuanta;
    if (group.kind === "slots") plan.codes[f.index] = FIELD_SLOTS;
    else if (group.kind === "quat" && t.width === 4) plan.codes[f.index] = FIELD_QUAT;
    else if (group.kind === "full" && basePacking(t)) plan.codes[f.index] = FIELD_FULL;
    else if (group.kind === "flip" && t.width === 1 && t.slotMax[0] === 1 && t.thresholdQuanta === 0)
      plan.codes[f.index] = FIELD_FLIP;
  }
  return plan;
}
