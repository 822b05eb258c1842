/**
 * The one-array fields the capture gathers quantize themselves (captureGather.ts in JS,
 * captureGatherEmit.ts in wasm from the f64 tables of captureTables.ts): ints on a typed or plain
 * array, and bools and numeric enums on a typed array.
 */
import type { ReplicatedField } from "../../registry";
import { IntValueTemplate } from "../../templates/intTemplate";
import { scalarOf } from "../kernels/fieldAccess";

/**
 * The array of an IntTemplate field stored as one (typed or plain) array, whose binding quantize
 * is `template.quantize(array[eid] ?? 0)`: the gathers inline that (the server's owner and
 * authority fields are such); undefined for any other field.
 */
export function intArray(
  field: ReplicatedField,
): { t: IntValueTemplate; array: ArrayLike<number> } | undefined {
  const t = field.template;
  const array = field.binding.columns?.[0];
  if (!(t instanceof IntValueTemplate) || field.binding.shape !== "array" || array === undefined)
    return undefined;
  return t.quantize === IntValueTemplate.prototype.quantize ? { t, array } : undefined;
}

/** A one-array int, bool or enum the wasm gather reads from its f64 table (captureTables.ts). */
export interface TableScalar {
  readonly kind: "int" | "bool" | "enum";
  readonly array: ArrayLike<number>;
  /** Int bounds; an enum's largest index in `max` (bool: 0..1). */
  readonly min: number;
  readonly max: number;
  /** An enum's values when they are not its indices (compared in turn: at most 16, fieldAccess.ts). */
  readonly values?: readonly number[] | undefined;
}

/**
 * Field `field` as the wasm gather reads it: an int on one array (intArray; a plain array's holes
 * read as 0 there, `?? 0`), or a bool or an enum of numbers on one typed array (numbers only,
 * exact in f64; a plain array's strings, booleans or nulls are not): else undefined.
 */
export function tableScalar(field: ReplicatedField): TableScalar | undefined {
  const int = intArray(field);
  if (int !== undefined) return { kind: "int", array: int.array, min: int.t.min, max: int.t.max };
  const s = scalarOf(field);
  const array = field.binding.columns?.[0];
  if (s === undefined || !ArrayBuffer.isView(array) || array instanceof DataView) return undefined;
  if (s.kind === "bool") return { kind: "bool", array: array, min: 0, max: 1 };
  if (s.kind === "enum") {
    const values = s.identity ? undefined : s.values;
    return { kind: "enum", array, min: 0, max: s.max, values };
  }
  return undefined;
}
