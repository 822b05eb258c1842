/**
 * Small layout helpers the generated kernels' plans share (applyPlan.ts, capturePlan.ts): which
 * component columns a kernel can read from wasm-memory copies, and scratch offsets rounded up.
 */

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
