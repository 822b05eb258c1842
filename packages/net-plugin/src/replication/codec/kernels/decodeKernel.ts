/**
 * Generated update reader for one registry (see compileKernel.ts): `updateReader.readUpdate` with
 * every field unrolled, its offsets, ranges and groups inlined. Same bits, same checks: false,
 * never a throw, on a malformed or truncated update.
 */
import type { ReplicationRegistry } from "../../registry";
import type { WordReader } from "../wordBits";
import { compileKernel, kernelFields, type KernelField } from "./compileKernel";

/**
 * Reads update `id` (fields `mask`) against `base` (predicted from `refV` when `predicted`, by
 * `rn / rd`) into `out`; false when the bits are invalid.
 */
export type ReadUpdateKernel = (
  r: WordReader,
  id: number,
  mask: number,
  base: Int32Array,
  out: Int32Array,
  refV: Int32Array,
  predicted: boolean,
  rn: number,
  rd: number,
  ks: Uint8Array,
) => boolean;

/** Reads one order-k Exp-Golomb code at `pos` into `u` (WordReader.readExpGolomb's short form inline). */
const READ_CODE = `{ const index = pos >>> 5, shift = pos & 31;
        let peek = words[index] >>> shift;
        if (shift > 0) peek |= words[index + 1] << (32 - shift);
        const nn = 31 - Math.clz32(peek & -peek), size = 2 * nn + 1 + k;
        if (peek !== 0 && size < 32 && pos + size <= total) {
          const rest = peek >>> (nn + 1);
          const q = (rest & ((1 << nn) - 1)) + (1 << nn);
          u = (((q - 1) << k) | ((rest >>> nn) & ((1 << k) - 1))) >>> 0;
          pos += size;
        } else {
          r.position = pos;
          u = r.readExpGolomb(k);
          pos = r.position;
          if (u < 0) return false;
        } }`;

function readSlot(f: KernelField, s: number, predict: boolean): string {
  const max = f.slotMax[s] as number;
  const lines = [`{ let from = b[o + ${s}]; let u = 0;`];
  if (predict)
    lines.push(
      `      if (predicted) { const ref = refV[o + ${s}]; from += unit ? from - ref : Math.round(((from - ref) * rn) / rd);`,
      `        if (from < 0) from = 0; else if (from > ${max}) from = ${max}; }`,
    );
  lines.push(
    `      ${READ_CODE}`,
    `      const v = from + ((u >>> 1) ^ -(u & 1));`,
    `      if (v < 0 || v > ${max}) return false;`,
    `      out[o + ${s}] = v; }`,
  );
  return lines.join("\n");
}

function readField(f: KernelField): string {
  const lines = [
    `  if ((mask & ${f.bit}) !== 0) {`,
    `    let on = true;`,
    `    if (multi) {`,
    `      if (pos >= total) { r.position = pos; r.readBits(1); return false; }`,
    `      on = ((words[pos >>> 5] >>> (pos & 31)) & 1) !== 0;`,
    `      pos++;`,
    `    }`,
    `    if (on) {`,
    `      any = true;`,
    `      const o = row + ${f.offset};`,
    `      const k = ks[${f.group}];`,
  ];
  if (f.quat) {
    const full = f.slotBits.map((bits, s) => `out[o + ${s}] = ${bits > 0 ? `r.readBits(${bits})` : "0"};`);
    const checks = f.slotMax.map((max, s) => `out[o + ${s}] > ${max}`);
    lines.push(
      `      if (pos >= total) { r.position = pos; r.readBits(1); return false; }`,
      `      const same = (words[pos >>> 5] >>> (pos & 31)) & 1;`,
      `      pos++;`,
      `      if (same === 0) {`,
      `        r.position = pos;`,
      `        ${full.join(" ")}`,
      `        pos = r.position;`,
      `        if (${checks.join(" || ")}) return false;`,
      `      } else {`,
      `        out[o] = b[o];`,
      ...[1, 2, 3].map((s) => readSlot(f, s, false)),
      `      }`,
    );
  } else {
    for (let s = 0; s < f.width; s++) lines.push(readSlot(f, s, true));
  }
  lines.push(`    }`, `  }`);
  return lines.join("\n");
}

function readSource(fields: readonly KernelField[], stride: number): string {
  return `return function readUpdate(r, id, mask, b, out, refV, predicted, rn, rd, ks) {
  const multi = (mask & (mask - 1)) !== 0;
  const row = id * ${stride};
  const words = r.data, total = r.bitLength;
  const unit = rn === rd;
  let pos = r.position;
  let any = false;
${fields.map(readField).join("\n")}
  r.position = pos;
  return any && !r.overflowed;
};`;
}

/** Generates the update reader of `registry`; undefined when it needs the generic path. */
export function decodeKernel(registry: ReplicationRegistry): ReadUpdateKernel | undefined {
  const fields = kernelFields(registry);
  if (fields === undefined) return undefined;
  return compileKernel<ReadUpdateKernel>([], readSource(fields, registry.stride), []);
}
