/**
 * Generated update reader for one registry (see compileKernel.ts): `updateReader.readUpdate` and
 * `readColumns` with every field and column unrolled, offsets, ranges and groups inlined (fields of
 * other templates call `readFieldDelta` as the generic reader does). Same bits, same checks:
 * false, never a throw, on a malformed or truncated section.
 */
import type { ReplicationRegistry } from "../../registry";
import { readFieldDelta } from "../fieldDelta";
import { predictField } from "../predict";
import type { SnapshotState } from "../snapshotState";
import type { WordReader } from "../wordBits";
import { columnParts, compileKernel, kernelFields, type KernelField } from "./compileKernel";
import { readColumn, readFixed } from "./decodeColumnSource";

/**
 * Reads the updates section after its header into `work` (which holds `base`): with `bitmap`, one
 * bit per baseline entity not marked (despawned/spawned) in this snapshot, else `updates` id gaps
 * coded with order `k`; each followed by that entity's fields; then the value columns (`lists`:
 * scratch of `capacity` per inline field; `exPos`, `exHigh`: of `capacity + 1`). False when the
 * bits are invalid.
 */
export type ReadUpdatesKernel = (
  r: WordReader,
  base: SnapshotState,
  work: SnapshotState,
  mark: Uint8Array,
  reference: SnapshotState | undefined,
  rn: number,
  rd: number,
  ks: Uint8Array,
  updates: number,
  bitmap: boolean,
  k: number,
  lists: Int32Array,
  exPos: Int32Array,
  exHigh: Int32Array,
) => boolean;

/** Reads one order-k Exp-Golomb code at `pos` into `u` (WordReader.readExpGolomb's short form inline). */
const readCode = (k: string): string => `{ const index = pos >>> 5, shift = pos & 31;
        // The next 32 bits; the second word's part shifted in two steps so shift 0 adds nothing.
        const peek = (words[index] >>> shift) | ((words[index + 1] << 1) << (31 - shift));
        const nn = 31 - Math.clz32(peek & -peek), size = 2 * nn + 1 + ${k};
        if (peek !== 0 && size < 32 && pos + size <= total) {
          const rest = peek >>> (nn + 1);
          const q = (rest & ((1 << nn) - 1)) + (1 << nn);
          // Below 2^30 (size < 32), so int32 like the slow path's result: no float phi.
          u = ((q - 1) << ${k}) | ((rest >>> nn) & ((1 << ${k}) - 1));
          pos += size;
        } else {
          r.position = pos;
          const long = r.readExpGolomb(${k});
          pos = r.position;
          if (long < 0) return false;
          u = long | 0;
        } }`;

function readGeneric(f: KernelField): string {
  const t = `T${f.index}`;
  return `      r.position = pos;
      let from = b, fo = o;
      if (predicted) {
        predictField(${t}, b, o, refV, o, ratioValue, predRow, ${f.offset});
        from = predRow;
        fo = ${f.offset};
      }
      if (!readFieldDelta(r, ${t}, out, o, from, fo, ks, ${f.group})) return false;
      pos = r.position;`;
}

/**
 * A `flip` field: 1 − its baseline slot (the predicted row is the baseline's copy), which must be
 * 0 or 1; a `full` field: each slot's `slotBits` bits (length checked first), at most its slotMax.
 */
function readFlat(f: KernelField): string {
  if (f.flip) return `      { const v = 1 - b[o]; if (v >>> 0 > 1) return false; out[o] = v; }`;
  const lines: string[] = [];
  f.slotBits.forEach((bits, s) => {
    if (bits <= 0) {
      lines.push(`      out[o + ${s}] = 0;`);
      return;
    }
    lines.push(
      `      { if (total - pos < ${bits}) { r.position = total; r.readBits(1); return false; }`,
      `        let v = 0;`,
      `        ${readFixed(String(bits), String((1 << bits) - 1))}`,
      `        if (v > ${f.slotMax[s] as number}) return false;`,
      `        out[o + ${s}] = v; }`,
    );
  });
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
  ];
  if (f.generic) lines.push(readGeneric(f));
  else if (f.flip || f.full) lines.push(readFlat(f));
  else if (f.quat || f.transform) {
    // The "same largest" bit, then the full rotation or its columns (a Transform's from slot 3;
    // its list entry, position and rotation, is id << 2 | same << 1 | predicted).
    const a = f.transform ? 3 : 0;
    const [pc, rc] = columnParts(f).map((c) => c.column) as [number, number];
    const full = f.slotBits
      .slice(a)
      .map((bits, s) => `out[o + ${a + s}] = ${bits > 0 ? `r.readBits(${bits})` : "0"};`);
    const checks = f.slotMax.slice(a).map((max, s) => `out[o + ${a + s}] > ${max}`);
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
      `        out[o + ${a}] = b[o + ${a}];`,
      f.transform ? `        cnt${rc}++;` : `        lists[${f.inline} * capacity + cnt${pc}++] = id << 1;`,
      `      }`,
      f.transform
        ? `      lists[${f.inline} * capacity + cnt${pc}++] = (id << 2) | (same << 1) | (predicted ? 1 : 0);`
        : "",
    );
  } else
    lines.push(`      lists[${f.inline} * capacity + cnt${f.column}++] = (id << 1) | (predicted ? 1 : 0);`);
  lines.push(`    }`, `  }`);
  return lines.join("\n");
}

function readSource(fields: readonly KernelField[], stride: number): string {
  const columns: string[] = [];
  for (const f of fields) {
    for (const part of columnParts(f)) {
      const end = part.at + part.width;
      for (let c = part.at + (part.quat ? 1 : 0); c < end; c++) columns.push(readColumn(f, part, c, stride));
    }
  }
  // Per column part: the updates that have its values in the columns.
  const counts = fields
    .flatMap(columnParts)
    .map((c) => `cnt${c.column} = 0`)
    .join(", ");
  const groups = Math.max(0, ...fields.map((f) => f.group + 1));
  const ks = Array.from({ length: groups }, (_, g) => `k${g} = ks[${g}]`).join(", ");
  const body = `      const mask = baseMask[id];
      const multi = (mask & (mask - 1)) !== 0;
      const predicted = ratio && refPresent[id] === 1 && refMask[id] === mask;
      const row = id * ${stride};
      let any = false;
${fields.map(readField).join("\n")}
      if (!any) return false;
`;
  // One loop and one copy of the per-entity body for both id forms: with two copies the form a
  // run rarely takes had no type feedback, and its first use deoptimized the kernel (in some runs
  // it then stayed ~40 % slower).
  return `const ratioValue = { num: 0, den: 0 };
const predRow = new Int32Array(${Math.max(1, stride)});
return function readUpdates(r, base, work, mark, reference, rn, rd, ks, updates, bitmap, k, lists, exPos, exHigh) {
  ratioValue.num = rn;
  ratioValue.den = rd;
  const words = r.data, total = r.bitLength;
  const b = base.values, out = work.values, basePresent = base.present, baseMask = base.mask;
  const ratio = reference !== undefined, unit = rn === rd;
  const refV = ratio ? reference.values : b, refPresent = ratio ? reference.present : basePresent;
  const refMask = ratio ? reference.mask : baseMask;
  ${ks === "" ? "" : `const ${ks};`}
  const capacity = mark.length, hw = base.highWater, xcap = capacity + 1;
  let pos = r.position, id = -1, seen = 0;
  ${counts === "" ? "" : `let ${counts};`}
  for (;;) {
    if (bitmap) {
      // The next baseline entity not marked in this snapshot whose flag is 1.
      let flag = 0;
      while (flag === 0 && ++id < hw) {
        if (basePresent[id] !== 1 || mark[id] !== 0) continue;
        if (pos >= total) { r.position = pos; r.readBits(1); return false; }
        flag = (words[pos >>> 5] >>> (pos & 31)) & 1;
        pos++;
      }
      if (flag === 0) break;
      if (++seen > updates) return false;
    } else {
      if (seen === updates) break;
      seen++;
      let u = 0;
      ${readCode("k")}
      id = id + 1 + u;
      if (id >= capacity || basePresent[id] !== 1 || mark[id] !== 0) return false;
    }
${body}
  }
  if (seen !== updates) return false;
${columns.join("\n")}
  r.position = pos;
  return !r.overflowed;
};`;
}

/** Generates the updates reader of `registry`; undefined when it needs the generic path. */
export function decodeKernel(registry: ReplicationRegistry): ReadUpdatesKernel | undefined {
  const fields = kernelFields(registry);
  if (fields === undefined) return undefined;
  // Templates of generic fields, and the generic field coder they go through.
  const names = ["predictField", "readFieldDelta"];
  const values: unknown[] = [predictField, readFieldDelta];
  for (const f of registry.fields) {
    names.push(`T${f.index}`);
    values.push(f.template);
  }
  return compileKernel<ReadUpdatesKernel>(names, readSource(fields, registry.stride), values);
}
