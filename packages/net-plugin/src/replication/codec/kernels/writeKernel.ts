/**
 * Generated writer of a snapshot's updates section for one registry (see compileKernel.ts): the
 * bitmap or id list, each update's field flags, then the value columns, gathered in a local 32-bit
 * word and stored straight into the WordWriter's buffer a word at a time (`WordWriter.reserve`).
 * Column values are the zigzag residuals `collect` kept (`EncodePlan.colz`); fields of other
 * templates go through `writeFieldDelta` as in the generic writer. Bit-exact with
 * `SnapshotEncoder.write` + `updateWriter.writeUpdate`/`writeColumns`.
 */
import type { EncodePlan } from "../encodePlan";
import type { SnapshotState } from "../snapshotState";
import type { WordWriter } from "../wordBits";
import { columnParts, type ColumnPart, type KernelField } from "./compileKernel";
import { EXCEPTION_WIDTH_BITS, WIDTH_BITS } from "../columns";
import { emitBit, emitBits, emitCode, ENSURE, SYNC_IN, SYNC_OUT, TAKE, wordsPerUpdate } from "./emitSource";

/**
 * Writes the updates section after its header: with `bitmap`, one bit per baseline entity still
 * present (not despawned or respawned) then that update's data; else `k`-coded id gaps, each
 * followed by its update's field flags; then the columns. `all`: every candidate is selected.
 */
export type WriteUpdatesKernel = (
  w: WordWriter,
  p: EncodePlan,
  current: SnapshotState,
  baseline: SnapshotState,
  relevant: Uint8Array | undefined,
  bitmap: boolean,
  k: number,
  all: boolean,
) => void;

function writeField(f: KernelField): string {
  const lines: string[] = [
    `if ((mask & ${f.bit}) !== 0) {`,
    `  const ch = (changed & ${f.bit}) !== 0;`,
    `  if (multi) { ${emitBit("ch")} }`,
    `  if (ch) {`,
    `    const o = row + ${f.offset};`,
  ];
  if (f.generic) {
    lines.push(
      `    ${SYNC_OUT}`,
      `    writeFieldDelta(w, T${f.index}, cur, o, deltaBase, o, ks, ${f.group});`,
      `    ${SYNC_IN}`,
    );
  } else if (f.full) {
    // Each slot in full (QuantizedTemplate.packQuantized); a `flip` field's flag is all it sends.
    f.slotBits.forEach((b, s) => {
      if (b > 0) lines.push(`    { const c = cur[o + ${s}]; ${emitBits("c", String(b))} }`);
    });
  } else if (f.quat || f.transform) {
    // The "same largest" bit; the full value when not (else its components are in the columns).
    // A Transform's rotation starts at slot 3 (its position is all in the columns).
    const a = f.transform ? 3 : 0;
    lines.push(
      `    if (zz[o + ${a}] === 0) {`,
      `      ${emitBit("false")}`,
      ...f.slotBits
        .slice(a)
        .map((b, s) => (b > 0 ? `      { const c = cur[o + ${a + s}]; ${emitBits("c", String(b))} }` : "")),
      `    } else {`,
      `      ${emitBit("true")}`,
      `    }`,
    );
  }
  lines.push(`  }`, `}`);
  return lines.map((l) => `      ${l}`).join("\n");
}

/**
 * One column (columns.ts, updateWriter.writeColumns): its width, the selected updates' residuals
 * at that width, the exception count, and with exceptions their width, positions and high bits.
 * With every candidate selected the residuals are the contiguous column `collect` filled
 * (`EncodePlan.colz`); else the selected updates' residuals are taken again from `current` and the
 * delta base.
 */
function writeColumn(f: KernelField, part: ColumnPart, s: number, stride: number): string {
  // Column `col`, its place `at` in the part's interleaved values, `step` values per update.
  const at = s - part.at - (part.quat ? 1 : 0);
  const col = part.column + at;
  const step = part.quat ? 3 : part.width;
  const value = `{ const c = u & low; ${emitBits("c", "cw")} }
        if (u >>> cw !== 0) { exPos[ce] = cn; exHigh[ce++] = u >>> cw; }
        cn++;`;
  return `  { const cw = widths[${col}], low = cw === 31 ? 0x7fffffff : (1 << cw) - 1;
    let cn = 0, ce = 0;
    if (all) {
      // The field's columns interleaved from its first column × capacity (EncodePlan.colz).
      const c0 = ${part.column} * cap + ${at}, end = c0 + counts[${col}] * ${step};
      // Room for the whole column at once (its width field and values).
      const need = ((counts[${col}] * cw) >>> 5) + per;
      if (idx + need >= words.length) { w.wordIndex = idx; words = w.reserve(need); }
      if (end > c0) ${emitBits("cw", String(WIDTH_BITS))}
      for (let q = c0; q < end; q += ${step}) {
        const u = colz[q];
        ${value}
      }
    } else {
      for (let i = 0; i < count; i++) {
        const id = updateIds[i];
        if (selected[id] !== 1 || (changedMask[id] & ${f.bit}) === 0) continue;
        const o = id * ${stride} + ${f.offset};
        ${part.quat ? `if (zz[o + ${part.at}] !== 1) continue;` : ""}
        const d = cur[o + ${s}] - deltaBase[o + ${s}], u = (d << 1) ^ (d >> 31);
        ${ENSURE}
        if (cn === 0) ${emitBits("cw", String(WIDTH_BITS))}
        ${value}
      }
    }
    if (cn > 0) {
      ${ENSURE}
      ${emitCode("ce", "0")}
      if (ce > 0) {
        const cx = exWidths[${col}], pb = cn <= 1 ? 0 : 32 - Math.clz32(cn - 1);
        ${emitBits("cx", String(EXCEPTION_WIDTH_BITS))}
        for (let j = 0; j < ce; j++) {
          ${ENSURE}
          const a = exPos[j], hb = exHigh[j];
          ${emitBits("a", "pb")}
          ${emitBits("hb", "cx")}
        }
      }
    }
  }`;
}

function columnsSource(fields: readonly KernelField[], stride: number): string {
  const out: string[] = [];
  for (const f of fields) {
    for (const part of columnParts(f)) {
      const end = part.at + part.width;
      for (let s = part.at + (part.quat ? 1 : 0); s < end; s++) out.push(writeColumn(f, part, s, stride));
    }
  }
  return out.join("\n");
}

/** One update's flags and codes (locals: id, words, idx, acc, n, cur, zz, curMask, changedMask, k<group>). */
function updateBody(fields: readonly KernelField[], stride: number): string {
  return `      const mask = curMask[id], changed = changedMask[id];
      const multi = (mask & (mask - 1)) !== 0;
      const row = id * ${stride};
${fields.map(writeField).join("\n")}`;
}

export function writeSource(fields: readonly KernelField[], stride: number): string {
  const groups = Math.max(0, ...fields.map((f) => f.group + 1));
  const ks = Array.from({ length: groups }, (_, g) => `k${g} = ks[${g}]`).join(", ");
  // One loop and one copy of the per-entity body for both id forms (see decodeKernel.ts).
  return `return function writeUpdates(w, p, current, baseline, relevant, bitmap, k, all) {
  const cur = current.values, curPresent = current.present, curMask = current.mask;
  const zz = p.zz, ks = p.ks, selected = p.selected, respawn = p.respawn, changedMask = p.changedMask;
  const deltaBase = p.deltaBase, widths = p.columns.width, exWidths = p.columns.exWidth;
  const exPos = p.exPos, exHigh = p.exHigh, colz = p.colz, cap = p.capacity, counts = p.columns.count;
  const basePresent = baseline.present, baseMask = baseline.mask, hw = baseline.highWater;
  const updateIds = p.updateIds, count = p.updateCount;
  ${ks === "" ? "" : `const ${ks};`}
  const per = ${wordsPerUpdate(fields)};
  ${TAKE}
  let id = -1, i = 0;
  for (;;) {
    if (bitmap) {
      // One bit per baseline entity still present and not respawned: 1 for an update.
      let isUpdate = false;
      while (!isUpdate && ++id < hw) {
        if (basePresent[id] !== 1) continue;
        if (curPresent[id] !== 1 || (relevant !== undefined && relevant[id] !== 1)) continue;
        const sel = selected[id] === 1;
        if (sel && respawn[id] === 1) continue;
        isUpdate = sel && baseMask[id] === curMask[id];
        ${emitBit("isUpdate")}
      }
      if (!isUpdate) break;
    } else {
      let next = -1;
      while (next < 0 && i < count) {
        const c = updateIds[i++];
        if (selected[c] === 1) next = c;
      }
      if (next < 0) break;
      ${emitCode("next - id - 1", "k")}
      id = next;
    }
      ${ENSURE}
${updateBody(fields, stride)}
  }
${columnsSource(fields, stride)}
  ${SYNC_OUT}
};`;
}
