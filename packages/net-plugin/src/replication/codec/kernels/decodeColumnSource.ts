/**
 * Source snippets of the generated update reader's value columns (decodeKernel.ts):
 * `updateReader.readColumns` per column — its header (width, values skipped after their length is
 * checked, exception count and exceptions) and one pass over its part's update list. Same bits and
 * refusals as the generic reader.
 */
import { EXCEPTION_WIDTH_BITS, WIDTH_BITS } from "../columns";
import type { ColumnPart, KernelField } from "./compileKernel";

/** Reads `bits` (a local, 0..31) at `pos` into `v` (the caller checked they are there). */
export const readFixed = (bits: string, mask: string): string =>
  `{ const index = pos >>> 5, shift = pos & 31;
          v = ((words[index] >>> shift) | ((words[index + 1] << 1) << (31 - shift))) & ${mask}; pos += ${bits}; }`;

/**
 * One column's header (columns.ts): its width, its values skipped (their length checked first),
 * its exception count and exceptions (into `exPos`/`exHigh` from `k · (capacity + 1)`, a −1 after the last). Locals of column
 * `k`: `wK` width, `lK` low mask, `pK` cursor, `eK` exceptions, `nK` next exception position.
 */
function columnHeader(k: number): string {
  const x = `${k} * xcap`;
  return `    if (total - pos < ${WIDTH_BITS}) { r.position = pos; r.readBits(${WIDTH_BITS}); return false; }
    ${readFixed(String(WIDTH_BITS), String((1 << WIDTH_BITS) - 1))}
    const w${k} = v, l${k} = w${k} === 31 ? 0x7fffffff : (1 << w${k}) - 1;
    if (total - pos < cn * w${k}) { r.position = total; r.readBits(1); return false; }
    let p${k} = pos, e${k} = 0;
    pos += cn * w${k};
    // No exceptions (the usual case): the count's one-bit code.
    if (pos < total && ((words[pos >>> 5] >>> (pos & 31)) & 1) === 1) pos++;
    else {
      // The count (order-0 Exp-Golomb, the short form inline), exception width, then the
      // exceptions, their total length checked before they are read.
      const index = pos >>> 5, shift = pos & 31;
      const peek = (words[index] >>> shift) | ((words[index + 1] << 1) << (31 - shift));
      const nn = 31 - Math.clz32(peek & -peek), size = 2 * nn + 1;
      if (peek !== 0 && size < 32 && pos + size <= total) {
        e${k} = ((peek >>> (nn + 1)) & ((1 << nn) - 1)) + (1 << nn) - 1;
        pos += size;
      } else {
        r.position = pos;
        e${k} = r.readExpGolomb(0);
        if (e${k} < 0) return false;
        pos = r.position;
      }
      if (e${k} > cn) return false;
      if (e${k} > 0) {
        if (total - pos < ${EXCEPTION_WIDTH_BITS}) { r.position = total; r.readBits(1); return false; }
        ${readFixed(String(EXCEPTION_WIDTH_BITS), String((1 << EXCEPTION_WIDTH_BITS) - 1))}
        const x = v;
        if (x === 0 || w${k} + x > 31) return false;
        const pb = cn <= 1 ? 0 : 32 - Math.clz32(cn - 1), pm = (1 << pb) - 1, xm = (1 << x) - 1;
        if (total - pos < e${k} * (pb + x)) { r.position = total; r.readBits(1); return false; }
        let prev = -1;
        for (let j = 0; j < e${k}; j++) {
          ${readFixed("pb", "pm")}
          const at = v;
          ${readFixed("x", "xm")}
          if (at <= prev || at >= cn || v === 0) return false;
          exPos[${x} + j] = at;
          exHigh[${x} + j] = v << w${k};
          prev = at;
        }
        // After the last exception: a position no value has.
        exPos[${x} + e${k}] = -1;
      }
    }
    let n${k} = e${k} > 0 ? exPos[${x}] : -1, x${k} = ${x};`;
}

/**
 * One column (updateReader.readColumns): its header and exceptions, then one pass over the
 * field's list of updates (`lists`: id << 1 | predicted, filled by the per-entity part), each
 * value patched when it is an exception, added to its baseline (predicted for `slots` fields)
 * and range-checked. Same refusals as the generic reader (the values cannot overflow: their
 * length is checked first).
 */
export function readColumn(f: KernelField, part: ColumnPart, s: number, stride: number): string {
  const max = f.slotMax[s] as number;
  // A Transform's list entries are id << 2 | same largest << 1 | predicted; others' id << 1 | predicted.
  const shift = f.transform ? 2 : 1;
  const predict = part.quat
    ? ""
    : `if ((e & 1) !== 0) { const ref = refV[o];
          if (unit) from += from - ref;
          else { const g = from + Math.round(((from - ref) * rn) / rd); from = g < 0 ? 0 : g > ${max} ? ${max} : g | 0; }
          if (from < 0) from = 0; else if (from > ${max}) from = ${max}; }`;
  // A Transform's rotation: the entries of its (position) list whose largest stayed.
  const sparse = f.transform && part.quat;
  const loop = sparse
    ? `for (let i = 0, j = 0; j < cn; i++) {
      const e = lists[lb + i];
      if ((e & 2) === 0) continue;`
    : `for (let j = 0; j < cn; j++) {
      const e = lists[lb + j];`;
  return `  if (cnt${part.column} > 0) {
    const cn = cnt${part.column}, lb = ${f.inline} * capacity;
    let v = 0;
${columnHeader(0)}
    const end = pos;
    ${loop}
      const o = (e >> ${shift}) * ${stride} + ${f.offset + s};
      const index = p0 >>> 5, shift = p0 & 31;
      let u = ((words[index] >>> shift) | ((words[index + 1] << 1) << (31 - shift))) & l0; p0 += w0;
      if (j === n0) { u |= exHigh[x0]; n0 = exPos[++x0]; }
      ${sparse ? "j++;" : ""}
      let from = b[o];
      ${predict}
      const w = from + ((u >>> 1) ^ -(u & 1));
      if (w >>> 0 > ${max}) return false;
      out[o] = w;
    }
    pos = end;
  }`;
}
