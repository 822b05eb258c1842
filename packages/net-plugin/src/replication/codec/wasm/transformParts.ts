/**
 * A Transform field as the wasm encode and decode kernels see it: two fields, its position part (a
 * `slots` field of 3 slots at its offset) and its rotation (a smallest-three field at offset + 3)
 * that `follows` it — one mask bit and one "changed" flag for both, the rotation coded with the
 * part before it (the change test covers all seven slots). Each part has its own columns, cursor
 * and update list (`inline` renumbered over the parts).
 */
import type { KernelField } from "../kernels/compileKernel";

/** A field of the wasm kernels: a KernelField, or the rotation part of a Transform (`follows`). */
export interface PartField extends KernelField {
  /** No mask bit or flag of its own: coded with the field before it (a Transform's position). */
  readonly follows?: boolean;
}

/** `fields` with every Transform split into its two parts (undefined stays undefined). */
export function splitTransforms(fields: readonly KernelField[] | undefined): PartField[] | undefined {
  if (fields === undefined) return undefined;
  const out: PartField[] = [];
  let inline = 0;
  for (const f of fields) {
    if (!f.transform) {
      out.push({ ...f, inline: f.inline >= 0 ? inline++ : -1 });
      continue;
    }
    const part = { ...f, transform: false };
    // The spawn size is the whole field's (counted once, on the first part).
    out.push({
      ...part,
      width: 3,
      slotMax: f.slotMax.slice(0, 3),
      slotBits: f.slotBits.slice(0, 3),
      inline: inline++,
    });
    out.push({
      ...part,
      quat: true,
      follows: true,
      offset: f.offset + 3,
      width: 4,
      column: f.column + 3,
      slotMax: f.slotMax.slice(3),
      slotBits: f.slotBits.slice(3),
      inline: inline++,
      packedBits: 0,
    });
  }
  return out;
}

/** The registry's field count (a Transform's two parts are one field). */
export function fieldCount(fields: readonly PartField[]): number {
  return fields.filter((x) => x.follows !== true).length;
}

/**
 * Bits of one entity's code with every field changed and every rotation's largest kept (all ones):
 * its update bit, a flag per field (none with one field), a "same largest" bit per rotation.
 */
export function fullEntityBits(fields: readonly PartField[]): number {
  const n = fieldCount(fields);
  return 1 + (n > 1 ? n : 0) + fields.filter((x) => x.quat).length;
}
